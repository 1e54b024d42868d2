/*
 * step.c: the agent loop, one step at a time (docs/hostcall.md, "Step-wise
 * agent guests"), with the semantics of the Go loop it replaces
 * (tools-wasm/agentloop):
 *
 *   - first step (no response, no host results): the next model request,
 *     the conversation so far and the tools (the built-in tools' specs,
 *     then host_tools);
 *   - after a model turn: the assistant message is appended; without tool
 *     calls the run finishes (end_turn); otherwise the built-in calls run
 *     here, each reported with event.emit tool_start and tool_end, the
 *     host's verdicts applied (a denied call gets "denied: <reason>", a
 *     rewritten one runs with the new input), and the host-served calls go
 *     to the host (action host_tools) with the finished results kept in
 *     state;
 *   - once every call has a result: the user message of tool_result blocks
 *     in the calls' order, then finish (max_turns) when turn has reached
 *     max_turns, else the next request.
 *
 * Messages are copied from input to output as their JSON spans; only what
 * the step makes itself (tool results, events, state) is encoded here.
 */
#include "step.h"

#include <stdlib.h>

#include "host.h"
#include "json.h"
#include "specs.h"
#include "tools.h"

/* A tool call of the model's answer, and its result once known. */
typedef struct {
	buf_t id, name;
	const char *input; /* the JSON arguments run with */
	size_t ilen;
	uint32_t inode; /* the arguments' node in the step input (JNONE: {}) */
	bool host;      /* served by the host */
	bool done;
	buf_t text;
	buf_t text_json; /* text as a JSON string, made once */
	bool is_error;
} tcall_t;

typedef struct {
	jdoc d;
	uint32_t root;
	int64_t max_turns, turn, budget_ns;
	tcall_t *calls;
	size_t ncalls;
	buf_t last; /* the text of the model's last answer */
	buf_t scratch;
} step_t;

static void call_free(tcall_t *c) {
	buf_free(&c->id);
	buf_free(&c->name);
	buf_free(&c->text);
	buf_free(&c->text_json);
}

/* put_text appends a call's result text as a JSON string, encoding it
 * only the first time: events, the results message and the state all
 * carry it. */
static void put_text(buf_t *o, tcall_t *c) {
	if (c->text_json.n == 0)
		jw_str(&c->text_json, c->text.p, c->text.n);
	buf_put(o, c->text_json.p, c->text_json.n);
}

static int64_t get_int(step_t *s, const char *key) {
	uint32_t v = jd_get(&s->d, s->root, key);
	int64_t x = 0;
	if (jd_type(&s->d, v) == J_NUM && !jd_int(&s->d, v, &x))
		x = 0;
	return x;
}

static bool is_str(const jdoc *d, uint32_t v, const char *s) {
	return v != JNONE && jd_str_eq(d, v, s, strlen(s));
}

/* message_text appends the text of a message (chat.Message.Text): its
 * non-empty text blocks joined by newlines. */
static void message_text(const jdoc *d, uint32_t msg, buf_t *out) {
	uint32_t content = jd_get(d, msg, "content");
	if (jd_type(d, content) != J_ARR)
		return;
	bool first = true;
	for (uint32_t b = jd_first(d, content); b != JNONE; b = jd_after(d, content, b)) {
		if (!is_str(d, jd_get(d, b, "type"), "text"))
			continue;
		uint32_t t = jd_get(d, b, "text");
		if (jd_type(d, t) != J_STR || jd_rawlen(d, t) == 2)
			continue;
		if (!first)
			buf_putc(out, '\n');
		jd_str(d, t, out);
		first = false;
	}
}

static void add_call(step_t *s, tcall_t c) {
	s->calls = xrealloc(s->calls, (s->ncalls + 1) * sizeof *s->calls);
	s->calls[s->ncalls++] = c;
}

/* emit reports a built-in tool's progress; a rate-limited event is
 * dropped (events are progress, not results), any other failure ends the
 * step. */
static bool emit(step_t *s, tcall_t *c, bool end, buf_t *why) {
	buf_t *p = &s->scratch;
	p->n = 0;
	buf_puts(p, end ? "{\"type\":\"tool_end\",\"id\":" : "{\"type\":\"tool_start\",\"id\":");
	jw_str(p, c->id.p, c->id.n);
	buf_puts(p, ",\"name\":");
	jw_str(p, c->name.p, c->name.n);
	if (end) {
		buf_puts(p, ",\"result\":{\"text\":");
		put_text(p, c);
		if (c->is_error)
			buf_puts(p, ",\"is_error\":true");
		buf_putc(p, '}');
	} else {
		buf_puts(p, ",\"input\":");
		buf_put(p, c->input, c->ilen);
	}
	buf_putc(p, '}');
	buf_t answer = {0};
	uint32_t st = hc_call("event.emit", p->p, p->n, &answer);
	bool ok = st == HC_OK || st == HC_RATE_LIMITED;
	if (!ok) {
		buf_puts(why, "event.emit: ");
		buf_put(why, answer.p, answer.n);
	}
	buf_free(&answer);
	return ok;
}

/* run_builtin runs one built-in call and reports it. */
static bool run_builtin(step_t *s, tcall_t *c, bool denied, buf_t *why) {
	if (!emit(s, c, false, why))
		return false;
	if (!denied)
		c->is_error = tools_call(c->name.p, c->name.n, &s->d, c->inode, s->budget_ns, &c->text);
	c->done = true;
	return emit(s, c, true, why);
}

/* take_calls collects the tool calls of the answer msg, applies the
 * decisions and runs the built-in ones. */
static bool take_calls(step_t *s, uint32_t msg, buf_t *why) {
	jdoc *d = &s->d;
	uint32_t decisions = jd_get(d, s->root, "decisions");
	uint32_t content = jd_get(d, msg, "content");
	if (jd_type(d, content) != J_ARR)
		return true;
	for (uint32_t b = jd_first(d, content); b != JNONE; b = jd_after(d, content, b)) {
		if (!is_str(d, jd_get(d, b, "type"), "tool_use"))
			continue;
		tcall_t c = {.inode = JNONE, .input = "{}", .ilen = 2};
		uint32_t id = jd_get(d, b, "id"), name = jd_get(d, b, "name"), input = jd_get(d, b, "input");
		if (jd_type(d, id) == J_STR)
			jd_str(d, id, &c.id);
		if (jd_type(d, name) == J_STR)
			jd_str(d, name, &c.name);
		if (input != JNONE) {
			c.inode = input;
			c.input = jd_raw(d, input);
			c.ilen = jd_rawlen(d, input);
		}
		/* The host's verdict on this call, if any. */
		bool denied = false;
		uint32_t verdict = JNONE;
		if (jd_type(d, decisions) == J_OBJ && c.id.n) {
			for (uint32_t k = jd_first(d, decisions); k != JNONE;) {
				uint32_t v = d->n[k].next;
				if (jd_str_eq(d, k, c.id.p, c.id.n))
					verdict = v;
				k = jd_after(d, decisions, v);
			}
		}
		uint32_t deny = jd_get(d, verdict, "deny"), rewrite = jd_get(d, verdict, "input");
		if (jd_type(d, deny) == J_STR) {
			denied = true;
			c.done = true;
			c.is_error = true;
			buf_puts(&c.text, "denied: ");
			jd_str(d, deny, &c.text);
		} else if (rewrite != JNONE) {
			c.inode = rewrite;
			c.input = jd_raw(d, rewrite);
			c.ilen = jd_rawlen(d, rewrite);
		}
		c.host = !tools_has(c.name.p, c.name.n);
		add_call(s, c);
		tcall_t *cp = &s->calls[s->ncalls - 1];
		/* Every call whose result the guest makes is reported: built-in
		 * calls, and denied calls of any kind. */
		if ((!cp->host || denied) && !run_builtin(s, cp, denied, why))
			return false;
	}
	return true;
}

/* put_results appends the user message of tool_result blocks. */
static void put_results(step_t *s, buf_t *o) {
	buf_puts(o, "{\"role\":\"user\",\"content\":[");
	for (size_t i = 0; i < s->ncalls; i++) {
		tcall_t *c = &s->calls[i];
		if (i)
			buf_putc(o, ',');
		buf_puts(o, "{\"type\":\"tool_result\"");
		if (c->text.n) {
			buf_puts(o, ",\"text\":");
			put_text(o, c);
		}
		if (c->id.n) {
			buf_puts(o, ",\"tool_use_id\":");
			jw_str(o, c->id.p, c->id.n);
		}
		if (c->is_error)
			buf_puts(o, ",\"is_error\":true");
		buf_putc(o, '}');
	}
	buf_puts(o, "]}");
}

/* put_request appends the next model request: every message so far, then
 * the appended ones, and the tools. */
static void put_request(step_t *s, buf_t *o, const buf_t *append) {
	jdoc *d = &s->d;
	buf_puts(o, ",\"request\":{\"messages\":[");
	uint32_t msgs = jd_get(d, s->root, "messages");
	bool any = false;
	if (jd_type(d, msgs) == J_ARR) {
		for (uint32_t m = jd_first(d, msgs); m != JNONE; m = jd_after(d, msgs, m)) {
			if (any)
				buf_putc(o, ',');
			buf_put(o, jd_raw(d, m), jd_rawlen(d, m));
			any = true;
		}
	}
	if (append->n) {
		if (any)
			buf_putc(o, ',');
		buf_put(o, append->p, append->n);
	}
	buf_puts(o, "],\"tools\":");
	buf_put(o, builtin_specs, builtin_specs_len - 1); /* without its ']' */
	uint32_t host = jd_get(d, s->root, "host_tools");
	if (jd_type(d, host) == J_ARR) {
		for (uint32_t t = jd_first(d, host); t != JNONE; t = jd_after(d, host, t)) {
			buf_putc(o, ',');
			buf_put(o, jd_raw(d, t), jd_rawlen(d, t));
		}
	}
	buf_puts(o, "]}");
}

static void put_finish(step_t *s, buf_t *o, const char *reason) {
	buf_puts(o, ",\"action\":\"finish\",\"finish\":{\"response\":");
	jw_str(o, s->last.p, s->last.n);
	buf_puts(o, ",\"reason\":\"");
	buf_puts(o, reason);
	buf_puts(o, "\",\"turns\":");
	buf_i64(o, s->turn);
	buf_putc(o, '}');
}

/* put_state appends the state kept while the host runs its tools: the
 * calls in order, with the results of those already done, and the text
 * of the answer. */
static void put_state(step_t *s, buf_t *o) {
	buf_puts(o, ",\"state\":{\"last\":");
	jw_str(o, s->last.p, s->last.n);
	buf_puts(o, ",\"calls\":[");
	for (size_t i = 0; i < s->ncalls; i++) {
		tcall_t *c = &s->calls[i];
		if (i)
			buf_putc(o, ',');
		buf_puts(o, "{\"id\":");
		jw_str(o, c->id.p, c->id.n);
		if (c->done) {
			buf_puts(o, ",\"text\":");
			put_text(o, c);
			if (c->is_error)
				buf_puts(o, ",\"is_error\":true");
		} else {
			buf_puts(o, ",\"host\":true");
		}
		buf_putc(o, '}');
	}
	buf_puts(o, "]}");
}

/* resume restores the calls from state and fills in host_results. */
static bool resume(step_t *s, uint32_t results, buf_t *why) {
	jdoc *d = &s->d;
	uint32_t state = jd_get(d, s->root, "state");
	uint32_t calls = jd_get(d, state, "calls");
	if (jd_type(d, calls) != J_ARR) {
		buf_puts(why, "host_results without the state of a step that asked for host tools");
		return false;
	}
	uint32_t last = jd_get(d, state, "last");
	if (jd_type(d, last) == J_STR)
		jd_str(d, last, &s->last);
	for (uint32_t e = jd_first(d, calls); e != JNONE; e = jd_after(d, calls, e)) {
		tcall_t c = {0};
		uint32_t id = jd_get(d, e, "id"), text = jd_get(d, e, "text");
		if (jd_type(d, id) == J_STR)
			jd_str(d, id, &c.id);
		c.done = jd_type(d, jd_get(d, e, "host")) != J_TRUE;
		if (c.done) {
			if (jd_type(d, text) == J_STR)
				jd_str(d, text, &c.text);
			c.is_error = jd_type(d, jd_get(d, e, "is_error")) == J_TRUE;
		}
		add_call(s, c);
	}
	for (uint32_t r = jd_first(d, results); r != JNONE; r = jd_after(d, results, r)) {
		uint32_t id = jd_get(d, r, "tool_use_id");
		for (size_t i = 0; i < s->ncalls; i++) {
			tcall_t *c = &s->calls[i];
			if (c->done || id == JNONE || !jd_str_eq(d, id, c->id.p, c->id.n))
				continue;
			uint32_t text = jd_get(d, r, "text");
			if (jd_type(d, text) == J_STR)
				jd_str(d, text, &c->text);
			c->is_error = jd_type(d, jd_get(d, r, "is_error")) == J_TRUE;
			c->done = true;
			break;
		}
	}
	for (size_t i = 0; i < s->ncalls; i++) {
		if (!s->calls[i].done) {
			buf_puts(why, "host_results has no result for tool call ");
			buf_quote(why, s->calls[i].id.p, s->calls[i].id.n);
			return false;
		}
	}
	return true;
}

static int step(step_t *s, buf_t *in, buf_t *why) {
	/* Take the heap this step will need at once: the input, its parse and
	 * the output hold about three copies of it. Growing the memory once
	 * copies it once, where many small growths would copy it many times. */
	uint32_t st = hc_call_reserving("step.begin", "{}", 2, in, 2);
	if (st != HC_OK) {
		buf_puts(why, "step.begin: ");
		buf_put(why, in->p, in->n);
		return 1;
	}
	jdoc *d = &s->d;
	size_t at;
	if (json_parse(d, in->p, in->n, &at) != 0 || d->n[0].type != J_OBJ) {
		buf_puts(why, "step.begin: the step input is not a JSON object (at byte ");
		buf_u64(why, at);
		buf_putc(why, ')');
		return 1;
	}
	s->root = 0;
	s->max_turns = get_int(s, "max_turns");
	s->turn = get_int(s, "turn");
	/* time.Duration(ms) * time.Millisecond, wrapping as Go does. */
	s->budget_ns = (int64_t)((uint64_t)get_int(s, "tool_budget_ms") * 1000000u);

	buf_t out = {0}, append = {0};
	uint32_t response = jd_get(d, s->root, "response");
	uint32_t results = jd_get(d, s->root, "host_results");
	bool answered = jd_type(d, response) == J_OBJ, resumed = jd_type(d, results) == J_ARR;
	int rc = 1;
	if (answered) {
		uint32_t msg = jd_get(d, response, "message");
		if (jd_type(d, msg) != J_OBJ) {
			buf_puts(why, "step.begin: response has no message");
			goto done;
		}
		buf_put(&append, jd_raw(d, msg), jd_rawlen(d, msg));
		message_text(d, msg, &s->last);
		if (!take_calls(s, msg, why))
			goto done;
	} else if (resumed) {
		if (!resume(s, results, why))
			goto done;
	}
	buf_puts(&out, "{\"append\":[");
	if (answered && s->ncalls == 0) {
		buf_put(&out, append.p, append.n);
		buf_putc(&out, ']');
		put_finish(s, &out, "end_turn");
	} else {
		bool pending = false;
		for (size_t i = 0; i < s->ncalls; i++)
			pending = pending || !s->calls[i].done;
		if (pending) {
			buf_put(&out, append.p, append.n);
			buf_puts(&out, "],\"action\":\"host_tools\",\"host_calls\":[");
			bool first = true;
			for (size_t i = 0; i < s->ncalls; i++) {
				tcall_t *c = &s->calls[i];
				if (c->done)
					continue;
				if (!first)
					buf_putc(&out, ',');
				first = false;
				buf_puts(&out, "{\"id\":");
				jw_str(&out, c->id.p, c->id.n);
				buf_puts(&out, ",\"name\":");
				jw_str(&out, c->name.p, c->name.n);
				buf_puts(&out, ",\"input\":");
				buf_put(&out, c->input, c->ilen);
				buf_putc(&out, '}');
			}
			buf_putc(&out, ']');
			put_state(s, &out);
		} else {
			if (s->ncalls > 0) {
				if (append.n)
					buf_putc(&append, ',');
				put_results(s, &append);
			}
			buf_put(&out, append.p, append.n);
			buf_putc(&out, ']');
			if (s->turn >= s->max_turns) {
				put_finish(s, &out, "max_turns");
			} else {
				buf_puts(&out, ",\"action\":\"complete\"");
				put_request(s, &out, &append);
			}
		}
	}
	buf_putc(&out, '}');
	st = hc_call("step.end", out.p, out.n, in);
	if (st != HC_OK) {
		buf_puts(why, "step.end: ");
		buf_put(why, in->p, in->n);
		goto done;
	}
	rc = 0;
done:
	buf_free(&out);
	buf_free(&append);
	return rc;
}

int step_run(buf_t *why) {
	step_t s = {0};
	buf_t in = {0};
	int rc = step(&s, &in, why);
	for (size_t i = 0; i < s.ncalls; i++)
		call_free(&s.calls[i]);
	free(s.calls);
	buf_free(&s.last);
	buf_free(&s.scratch);
	json_free(&s.d);
	buf_free(&in);
	return rc;
}
