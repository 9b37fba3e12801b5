"""The yoloc kernel against jupyter_kernel_test: every sample set."""
import unittest

import jupyter_kernel_test

from kernel_util import install_kernelspec

install_kernelspec()  # JUPYTER_PATH must point at the kernelspec before the classes start kernels


class YolocKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "yoloc"
    language_name = "yoloc"
    file_extension = ".yoloc"

    code_hello_world = "echo hello, world"
    code_stderr = "stop"  # nothing runs: a note on stderr, status ok

    completion_samples = [
        {"text": "tra", "matches": {"train"}},
        {"text": "train epo", "matches": {"epochs="}},
        {"text": "train optimizer=Ad", "matches": {"optimizer=Adam", "optimizer=AdamW"}},
        {"text": "plot conf", "matches": {"confusion", "confusion_normalized"}},
        {"text": "help lr", "matches": {"lr0", "lrf"}},
    ]
    complete_code_samples = ["help", "train epochs=3 imgsz=320", "# only a comment", "echo 'a b'",
                             "train model=yolov8n.yaml \\\n  epochs=3", ""]
    incomplete_code_samples = ["train epochs=3 \\", "echo 'not closed", "train imgsz=[640,", 'echo "a']
    invalid_code_samples = ["trian epochs=3", "epochs=3", "help =3"]

    code_generate_error = "train epoch=3"
    code_execute_result = [
        {"code": "cfg epochs=3", "mime": "text/plain"},
        {"code": "cfg imgsz=320 batch=8", "mime": "text/plain"},
    ]
    code_display_data = [{"code": "tensorboard", "mime": "text/html"}]
    code_inspect_sample = "epochs"
    code_clear_output = "echo soon gone\nclear"
    code_history_pattern = "cfg ep*"
    supported_history_operations = ("tail", "range", "search")

    def test_error_text_is_the_command_line_text(self):
        self.flush_channels()
        reply, outputs = self.execute_helper(self.code_generate_error)
        self.assertEqual(reply["content"]["ename"], "ArgumentError")
        self.assertEqual(reply["content"]["evalue"], "unknown argument 'epoch' (did you mean 'epochs'?)")
        self.assertEqual(outputs[0]["content"]["evalue"], reply["content"]["evalue"])


class YolocIopubWelcomeTests(jupyter_kernel_test.IopubWelcomeTests):
    kernel_name = "yoloc"
    support_iopub_welcome = True


if __name__ == "__main__":
    unittest.main()
