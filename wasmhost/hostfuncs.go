package wasmhost

import (
	"context"

	"github.com/bulkhead-dev/bulkhead/hostcall"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// instantiateHostModule defines the hostcall.ModuleName import module on rt.
// The functions find the instance's slot in their context (the context the
// module was instantiated with), and through it the run's dispatcher, so
// one module definition serves every instance.
func instantiateHostModule(ctx context.Context, rt wazero.Runtime) error {
	i32 := api.ValueTypeI32
	_, err := rt.NewHostModuleBuilder(hostcall.ModuleName).
		NewFunctionBuilder().
		WithGoModuleFunction(api.GoModuleFunc(hostCall), []api.ValueType{i32, i32, i32, i32, i32}, []api.ValueType{i32}).
		WithParameterNames("method_ptr", "method_len", "payload_ptr", "payload_len", "result_len_ptr").
		Export(hostcall.FuncCall).
		NewFunctionBuilder().
		WithGoModuleFunction(api.GoModuleFunc(hostTake), []api.ValueType{i32, i32}, []api.ValueType{i32}).
		WithParameterNames("buf_ptr", "buf_len").
		Export(hostcall.FuncTake).
		Instantiate(ctx)
	return err
}

// hostCall implements call(method_ptr, method_len, payload_ptr,
// payload_len, result_len_ptr) -> status.
func hostCall(ctx context.Context, mod api.Module, stack []uint64) {
	var d *dispatcher
	if s, ok := ctx.Value(slotKey{}).(*slot); ok {
		if ready, ok := ctx.Value(readyKey{}).(func()); ok && s.bound.Load() == nil {
			ready() // a warm guest is initialised and waits for its run here
		}
		if b := s.wait(ctx); b != nil {
			d, ctx = b.d, b.ctx
		}
	}
	mem := mod.Memory()
	methodPtr, methodLen := api.DecodeU32(stack[0]), api.DecodeU32(stack[1])
	payloadPtr, payloadLen := api.DecodeU32(stack[2]), api.DecodeU32(stack[3])
	resultLenPtr := api.DecodeU32(stack[4])

	status := hostcall.BadRequest
	switch {
	case d == nil:
		status = hostcall.Canceled
	case mem == nil:
	default:
		method, ok1 := mem.Read(methodPtr, methodLen)
		payload, ok2 := mem.Read(payloadPtr, payloadLen)
		if ok1 && ok2 {
			// Copy out of linear memory: the handler may outlive the view.
			status = d.call(ctx, string(method), append([]byte(nil), payload...))
		} else {
			d.setPending([]byte("pointer outside linear memory"))
		}
	}
	var n uint32
	if d != nil {
		n = d.pendingLen()
	}
	if mem == nil || !mem.WriteUint32Le(resultLenPtr, n) {
		status = hostcall.BadRequest
	}
	stack[0] = api.EncodeU32(uint32(status))
}

// hostTake implements take(buf_ptr, buf_len) -> n: it copies up to buf_len
// bytes of the pending answer to buf_ptr, clears the answer, and returns
// the number of bytes copied, or hostcall.NoAnswer.
func hostTake(ctx context.Context, mod api.Module, stack []uint64) {
	var d *dispatcher
	if s, ok := ctx.Value(slotKey{}).(*slot); ok {
		if b := s.bound.Load(); b != nil {
			d = b.d
		}
	}
	bufPtr, bufLen := api.DecodeU32(stack[0]), api.DecodeU32(stack[1])
	result := hostcall.NoAnswer
	if d != nil {
		if answer, ok := d.take(); ok {
			if uint32(len(answer)) > bufLen {
				answer = answer[:bufLen]
			}
			if mod.Memory().Write(bufPtr, answer) {
				result = int32(len(answer))
			}
		}
	}
	stack[0] = api.EncodeI32(result)
}
