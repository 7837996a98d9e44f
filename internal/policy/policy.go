package policy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"sync"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/ext"
	"cel.dev/cel-go/interpreter"
)

// Limits applied to every policy.
const (
	// MaxExpressionLength is the longest policy source accepted, in bytes.
	MaxExpressionLength = 4 << 10
	// MaxCost is the CEL runtime cost budget of one evaluation.
	MaxCost = 10_000
	// interruptCheckFrequency is how many comprehension iterations run
	// between two checks of the context.
	interruptCheckFrequency = 100
)

// Sentinel errors. Evaluation errors wrap ErrEvaluation; compile errors are
// *CompileError values.
var (
	// ErrEvaluation marks a policy that could not be evaluated (missing key,
	// wrong type, cost limit, cancelled context): the request is denied.
	ErrEvaluation = errors.New("policy: evaluation failed")
	// ErrCostLimit marks an evaluation stopped because it exceeded MaxCost;
	// it is always wrapped together with ErrEvaluation.
	ErrCostLimit = errors.New("policy: cost limit exceeded")
)

// CompileError is a policy that does not compile: a syntax error, an unknown
// variable or field, a type error or a non-bool result. Line and Column are
// 1-based positions in the source.
type CompileError struct {
	Line, Column int
	Message      string
}

// Error implements error as "line L, column C: message".
func (e *CompileError) Error() string {
	return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Column, e.Message)
}

// LogValue implements slog.LogValuer.
func (e *CompileError) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Int("line", e.Line),
		slog.Int("column", e.Column),
		slog.String("message", e.Message),
	)
}

var (
	_ error          = (*CompileError)(nil)
	_ slog.LogValuer = (*CompileError)(nil)
)

// Program is a compiled, type-checked policy. It is immutable and safe for
// concurrent use.
type Program struct {
	src string
	prg cel.Program
}

// env is the single CEL environment; it is immutable once built.
var env = sync.OnceValues(newEnv)

func newEnv() (*cel.Env, error) {
	dyn := cel.MapType(cel.StringType, cel.DynType)
	return cel.NewEnv(
		ext.NativeTypes(reflect.TypeFor[Request](), ext.ParseStructTags(true)),
		ext.Strings(),
		cel.Variable("token", dyn),
		cel.Variable("api_key", dyn),
		cel.Variable("request", cel.ObjectType("policy.Request")),
		cel.Variable("body", cel.DynType),
		cel.ParserExpressionSizeLimit(MaxExpressionLength),
	)
}

// Compile parses and type-checks a policy. It refuses an empty or too long
// expression and one whose result is not a bool with a *CompileError.
func Compile(expr string) (*Program, error) {
	switch {
	case expr == "":
		return nil, &CompileError{Line: 1, Column: 1, Message: "empty policy"}
	case len(expr) > MaxExpressionLength:
		return nil, &CompileError{Line: 1, Column: 1,
			Message: fmt.Sprintf("policy longer than %d bytes", MaxExpressionLength)}
	}
	e, err := env()
	if err != nil {
		return nil, fmt.Errorf("policy: build environment: %w", err)
	}
	ast, iss := e.Compile(expr)
	if iss != nil && iss.Err() != nil {
		return nil, compileError(iss.Errors())
	}
	if !ast.OutputType().IsExactType(cel.BoolType) {
		return nil, &CompileError{Line: 1, Column: 1,
			Message: fmt.Sprintf("policy must be a bool expression, got %s", ast.OutputType())}
	}
	prg, err := e.Program(ast,
		cel.CostLimit(MaxCost),
		cel.InterruptCheckFrequency(interruptCheckFrequency),
	)
	if err != nil {
		return nil, &CompileError{Line: 1, Column: 1, Message: err.Error()}
	}
	return &Program{src: expr, prg: prg}, nil
}

// compileError turns CEL issues into a CompileError positioned at the first.
func compileError(errs []*cel.Error) *CompileError {
	ce := &CompileError{Line: 1, Column: 1, Message: "invalid policy"}
	if len(errs) == 0 {
		return ce
	}
	first := errs[0]
	ce.Message = first.Message
	if loc := first.Location; loc != nil && loc.Line() > 0 {
		ce.Line = loc.Line()
		ce.Column = max(loc.Column(), 0) + 1 // CEL columns are 0-based
	}
	if n := len(errs) - 1; n > 0 {
		ce.Message += fmt.Sprintf(" (and %d more)", n)
	}
	return ce
}

// String returns the policy's source.
func (p *Program) String() string { return p.src }

// Allow evaluates the policy against in. It returns false and an error
// wrapping ErrEvaluation when the policy cannot be evaluated (fail closed):
// the gateway logs the error and denies the request.
func (p *Program) Allow(ctx context.Context, in Input) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("%w: %w", ErrEvaluation, err)
	}
	out, _, err := p.prg.ContextEval(ctx, newActivation(in))
	if err != nil {
		var cancelled interpreter.EvalCancelledError
		if errors.As(err, &cancelled) && cancelled.Cause == interpreter.CostLimitExceeded {
			return false, fmt.Errorf("%w: %w", ErrEvaluation, ErrCostLimit)
		}
		return false, fmt.Errorf("%w: %w", ErrEvaluation, err)
	}
	b, ok := out.(types.Bool)
	if !ok {
		return false, fmt.Errorf("%w: result is %s, not bool", ErrEvaluation, out.Type())
	}
	return bool(b), nil
}

// activation resolves the four policy variables without building a map.
type activation struct {
	token, apiKey map[string]any
	request       Request
	body          any
}

// newActivation builds the evaluation input. A nil Token, APIKey or Body
// stays a nil map[string]any, which CEL sees as an empty map: `has(token.sub)`
// is false and `token.sub` is an evaluation error.
func newActivation(in Input) *activation {
	a := &activation{token: in.Token, apiKey: in.APIKey, request: in.Request.sanitize(), body: in.Body}
	if a.body == nil {
		a.body = map[string]any(nil)
	}
	return a
}

// ResolveName implements interpreter.Activation.
func (a *activation) ResolveName(name string) (any, bool) {
	switch name {
	case "token":
		return a.token, true
	case "api_key":
		return a.apiKey, true
	case "request":
		return &a.request, true
	case "body":
		return a.body, true
	}
	return nil, false
}

// Parent implements interpreter.Activation.
func (a *activation) Parent() interpreter.Activation { return nil }

var _ interpreter.Activation = (*activation)(nil)
