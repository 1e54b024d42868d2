package fakellm

import "fmt"

// reply is a Step's assistant message, ready for a protocol to encode.
type reply struct {
	id           string
	model        string
	text         string
	calls        []call
	inputTokens  int // not read from or written to the cache
	outputTokens int
	cacheRead    int
	cacheWrite   int
}

// call is one tool call with its assigned id and marshalled input.
type call struct {
	id    string
	name  string
	input []byte
}

// created is the Unix time reported in OpenAI responses, fixed so that
// responses are reproducible.
const created = 1700000000

// reply builds the answer to the n-th request from st, assigning tool call
// ids. Usage is deterministic: the prompt is len(body)/4 tokens, split into
// cache reads, cache writes and the rest as the protocol's caching would
// (see cacheUsage); output tokens are (len(text) + total length of the tool
// inputs)/4, at least 1.
func (s *Server) reply(p protocol, n int, req Request, st Step) (reply, error) {
	msgPrefix, toolPrefix := p.ids()
	r := reply{
		id:          fmt.Sprintf("%s%02d", msgPrefix, n),
		model:       req.Model(),
		text:        st.Text,
		inputTokens: len(req.Body) / 4,
	}
	out := len(st.Text)
	for _, tc := range st.ToolCalls {
		in, err := toolInput(tc.Input)
		if err != nil {
			return reply{}, fmt.Errorf("tool call %q: %w", tc.Name, err)
		}
		r.calls = append(r.calls, call{name: tc.Name, input: in})
		out += len(in)
	}
	s.mu.Lock()
	for i := range r.calls {
		s.toolIDs++
		r.calls[i].id = fmt.Sprintf("%s%02d", toolPrefix, s.toolIDs)
	}
	explicit := p.name() == ProtocolAnthropic
	r.cacheRead, r.cacheWrite = s.cacheUsage(req.parsed.segments, explicit, p.name() == ProtocolOpenAI)
	s.mu.Unlock()
	r.inputTokens = max(r.inputTokens-r.cacheRead-r.cacheWrite, 0)
	r.outputTokens = max(1, out/4)
	return r, nil
}
