"""Cap a graded notebook's outputs by bytes (nbgrader's LimitOutput caps lines only).

One 50 MB line passes a line cap untouched and would end up in the graded
notebook, the feedback and the instructor's browser. ``LimitOutputBytes``
keeps at most ``max_text_bytes`` of text per cell (streams, error messages
and tracebacks), drops any other output larger than ``max_output_bytes``,
and, once the notebook's outputs add up to ``max_notebook_bytes``, drops
every further rich output (40 images just under the per-output cap would
otherwise make a 155 MB notebook), saying what was cut.
"""
import json

from nbformat.v4 import new_output
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Integer


def _cut(text, limit):
    """`text` cut to at most `limit` UTF-8 bytes, and how many bytes were dropped."""
    data = text.encode("utf-8", "replace")
    if len(data) <= limit:
        return text, 0
    return data[:limit].decode("utf-8", "ignore"), len(data) - limit


class LimitOutputBytes(NbGraderPreprocessor):
    """Keep at most `max_text_bytes` of text per code cell and no single output over `max_output_bytes`."""

    max_text_bytes = Integer(64 * 1024, help="bytes of text (streams, errors) kept per cell").tag(config=True)
    max_output_bytes = Integer(2 ** 20, help="largest rich output (image, HTML, ...) kept").tag(config=True)
    max_notebook_bytes = Integer(3 * 2 ** 19, help="bytes of outputs kept in the whole notebook").tag(config=True)

    def preprocess(self, nb, resources):
        self._left = self.max_notebook_bytes
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code" or not cell.get("outputs"):
            return cell, resources
        budget, dropped, outputs = self.max_text_bytes, 0, []
        for out in cell.outputs:
            kind = out.get("output_type")
            if kind == "stream":
                text, lost = _cut(out.get("text", ""), budget)
                budget -= len(text.encode("utf-8"))
                dropped += lost
                if text:
                    out["text"] = text
                    outputs.append(out)
            elif kind == "error":
                parts = [str(out.get("ename", "")), str(out.get("evalue", ""))] + [str(t) for t in out.get("traceback", [])]
                kept = []
                for part in parts:
                    text, lost = _cut(part, max(budget, 0))
                    budget -= len(text.encode("utf-8"))
                    dropped += lost
                    kept.append(text)
                out["ename"], out["evalue"], out["traceback"] = kept[0], kept[1], [t for t in kept[2:] if t]
                outputs.append(out)
            else:
                size = len(json.dumps(out.get("data", {}), default=str)) + len(json.dumps(out.get("metadata", {}), default=str))
                if size > self.max_output_bytes:
                    outputs.append(new_output("stream", name="stdout",
                                              text=f"... an output of {size} bytes was removed (over {self.max_output_bytes} bytes)\n"))
                elif size > getattr(self, "_left", size):
                    outputs.append(new_output("stream", name="stdout",
                                              text=f"... an output of {size} bytes was removed: the notebook's outputs "
                                                   f"are over {self.max_notebook_bytes} bytes\n"))
                else:
                    self._left = getattr(self, "_left", size) - size
                    outputs.append(out)
        if dropped:
            outputs.append(new_output("stream", name="stdout",
                                      text=f"\n... output truncated: {dropped} more bytes were not kept\n"))
        text = sum(len(o.get("text", "").encode("utf-8")) for o in outputs if o.get("output_type") == "stream")
        if hasattr(self, "_left") and text > self._left:  # the notebook's budget covers text too
            outputs = [o for o in outputs if o.get("output_type") != "stream"] + [new_output(
                "stream", name="stdout", text=f"... {text} bytes of text removed: the notebook's outputs are over "
                                              f"{self.max_notebook_bytes} bytes\n")]
        elif hasattr(self, "_left"):
            self._left -= text
        cell.outputs = outputs
        return cell, resources
