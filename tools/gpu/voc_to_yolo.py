"""Pascal VOC -> YOLO layout for the GPU bundle's real-data benchmark (BCCD):
images/{train,val}/*.jpg, labels/{train,val}/*.txt (class cx cy w h,
normalised), a dataset YAML, and the data set's LICENSE. Boxes are clipped to
the image; empty or inverted ones are reported and dropped.

  voc_to_yolo.py VOC_DIR OUT_DIR TRAIN_SPLIT VAL_SPLIT"""
import pathlib
import shutil
import sys
import xml.etree.ElementTree as ET


def convert(voc, out, train_split, val_split):
    names = []
    dropped = 0
    for split, list_name in (("train", train_split), ("val", val_split)):
        ids = (voc / "ImageSets" / "Main" / f"{list_name}.txt").read_text().split()
        (out / "images" / split).mkdir(parents=True, exist_ok=True)
        (out / "labels" / split).mkdir(parents=True, exist_ok=True)
        for image_id in ids:
            root = ET.parse(voc / "Annotations" / f"{image_id}.xml").getroot()
            w = float(root.findtext("size/width"))
            h = float(root.findtext("size/height"))
            rows = []
            for k, obj in enumerate(root.iter("object")):
                name = obj.findtext("name").strip()
                if name not in names:
                    names.append(name)
                box = obj.find("bndbox")
                x1, y1, x2, y2 = (float(box.findtext(t)) for t in ("xmin", "ymin", "xmax", "ymax"))
                x1, x2 = max(0.0, min(x1, w)), max(0.0, min(x2, w))
                y1, y2 = max(0.0, min(y1, h)), max(0.0, min(y2, h))
                if x2 <= x1 or y2 <= y1:
                    print(f"{image_id}.xml: object {k} ({name}): empty box after clipping, dropped")
                    dropped += 1
                    continue
                rows.append(f"{names.index(name)} {(x1 + x2) / 2 / w:.6f} {(y1 + y2) / 2 / h:.6f} "
                            f"{(x2 - x1) / w:.6f} {(y2 - y1) / h:.6f}")
            shutil.copy(voc / "JPEGImages" / f"{image_id}.jpg", out / "images" / split / f"{image_id}.jpg")
            (out / "labels" / split / f"{image_id}.txt").write_text("\n".join(rows) + ("\n" if rows else ""))
    (out / "data.yaml").write_text("path: .\ntrain: images/train\nval: images/val\nnames:\n" +
                                   "".join(f"  {i}: {n}\n" for i, n in enumerate(names)))
    (out / "names.txt").write_text(",".join(names) + "\n")
    for extra in ("LICENSE", "README.md"):
        if (voc / extra).exists():
            shutil.copy(voc / extra, out / extra)
    print(f"{out}: {len(names)} classes {names}, {dropped} boxes dropped")


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    convert(pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), sys.argv[3], sys.argv[4])
