package providers

import (
	"github.com/anthropics/anthropic-sdk-go"
)

// MaxCacheBreakpoints is the most cache_control breakpoints one Anthropic
// request may carry (https://docs.anthropic.com/en/docs/build-with-claude/prompt-caching).
const MaxCacheBreakpoints = 4

// cacheBreakpoints marks the prompt prefixes Anthropic should cache, at
// most three of the four allowed:
//
//  1. the system prompt, which caches the tool definitions with it (the
//     cached prefix is tools, then system, then messages), or the last tool
//     when there is no system prompt;
//  2. the last message, so the next turn reads the whole conversation so far
//     from the cache;
//  3. the message that was last in the previous turn (the last user message
//     before the newest assistant message), so that this turn reads the
//     previous turn's entry even when more than 20 blocks were added since
//     (the API looks back at most 20 blocks from a breakpoint).
//
// A breakpoint goes on the last block of a message that can carry one
// (thinking blocks cannot). Prefixes shorter than the model's minimum
// (1024 tokens for Sonnet and Opus, 2048 for Haiku) are simply not cached.
func cacheBreakpoints(p *anthropic.MessageNewParams) {
	used := 0
	mark := func(cc *anthropic.CacheControlEphemeralParam) {
		if cc != nil && used < MaxCacheBreakpoints {
			*cc = anthropic.NewCacheControlEphemeralParam()
			used++
		}
	}
	switch {
	case len(p.System) > 0:
		mark(&p.System[len(p.System)-1].CacheControl)
	case len(p.Tools) > 0:
		mark(p.Tools[len(p.Tools)-1].GetCacheControl())
	}
	n := len(p.Messages)
	if n == 0 {
		return
	}
	markMessage(p.Messages[n-1], mark)
	// The previous turn ended with the user message before the last
	// assistant message.
	for i := n - 2; i > 0; i-- {
		if p.Messages[i].Role == anthropic.MessageParamRoleAssistant {
			if p.Messages[i-1].Role == anthropic.MessageParamRoleUser {
				markMessage(p.Messages[i-1], mark)
			}
			break
		}
	}
}

// markMessage marks the last block of m that can carry cache_control.
func markMessage(m anthropic.MessageParam, mark func(*anthropic.CacheControlEphemeralParam)) {
	for j := len(m.Content) - 1; j >= 0; j-- {
		if cc := m.Content[j].GetCacheControl(); cc != nil {
			mark(cc)
			return
		}
	}
}
