"""Prints the JSON events of `bulkhead run --json` for people (used by demo.sh)."""
import json
import sys

ok = False
for line in sys.stdin:
    ev = json.loads(line)
    kind = ev["type"]
    if kind == "tool_start":
        tool = ev["tool"]
        print(f"-> {tool['name']} {json.dumps(tool.get('input', {}))[:100]}")
    elif kind == "tool_end":
        tool = ev["tool"]
        out = tool.get("output", "").strip().splitlines()
        status = "error" if tool.get("is_error") else "ok"
        head = out[0][:100] if out else ""
        print(f"   {status}: {head}")
    elif kind == "done":
        print("== answer:", ev["result"]["response"])
        usage = ev["result"]["usage"]
        print(f"== {ev['result']['turns']} turns, {usage['input_tokens']} input / {usage['output_tokens']} output tokens")
        ok = True
    elif kind == "error":
        print("== error:", ev["error"], file=sys.stderr)
sys.exit(0 if ok else 1)
