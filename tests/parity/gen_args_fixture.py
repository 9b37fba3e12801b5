"""Writes tests/fixtures/ultralytics_args.json from the installed ultralytics
package: its default arguments and its own type classes for them. Run in the
reference environment (make ref-env):

    .venv-ref/bin/python tests/parity/gen_args_fixture.py
"""
import json
import pathlib

import ultralytics
from ultralytics.cfg import (CFG_BOOL_KEYS, CFG_FLOAT_KEYS, CFG_FRACTION_KEYS, CFG_INT_KEYS,
                             DEFAULT_CFG_DICT)

out = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "ultralytics_args.json"
fixture = {
    "ultralytics_version": ultralytics.__version__,
    "defaults": DEFAULT_CFG_DICT,
    "bool_keys": sorted(CFG_BOOL_KEYS),
    "int_keys": sorted(CFG_INT_KEYS),
    "float_keys": sorted(CFG_FLOAT_KEYS),
    "fraction_keys": sorted(CFG_FRACTION_KEYS),
}
out.write_text(json.dumps(fixture, indent=1, sort_keys=True) + "\n")
print(f"wrote {out} from ultralytics {ultralytics.__version__}")
