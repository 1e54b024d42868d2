"""Prints `bulkhead run --output-format stream-json` for people (used by demo.sh)."""
import json
import sys

ok = False
for line in sys.stdin:
    ev = json.loads(line)
    kind = ev["type"]
    if kind == "init":
        print(f"== {ev['provider']}/{ev['model']}, tools: {', '.join(ev['tools'])}")
    elif kind == "tool_start":
        tool = ev["tool"]
        print(f"-> {tool['name']} {json.dumps(tool.get('input', {}))[:100]}")
    elif kind == "tool_end":
        tool = ev["tool"]
        out = tool.get("output", "").strip().splitlines()
        status = "error" if tool.get("is_error") else "ok"
        head = out[0][:100] if out else ""
        print(f"   {status} in {tool.get('duration_ms', 0)} ms: {head}")
    elif kind == "result":
        if ev["is_error"]:
            print("== error:", ev.get("error", ev["subtype"]), file=sys.stderr)
            continue
        print("== answer:", ev["result"])
        usage = ev["usage"]
        print(f"== {ev['num_turns']} turns in {ev['duration_ms']} ms, "
              f"{usage['input_tokens']} input / {usage['output_tokens']} output tokens")
        ok = True
sys.exit(0 if ok else 1)
