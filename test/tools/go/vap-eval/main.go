// Command vap-eval evaluates a ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1) against admission requests
// the way kube-apiserver's ValidatingAdmissionPolicy plugin does, with that plugin's own code from k8s.io/apiserver
// (pkg/admission/plugin/policy/validating): the same CEL environment (the base environment set at the library's
// default compatibility version, strict cost), the same compiler for variables, match conditions, validations and
// message expressions, and the same validator, which decides deny or admit. What it does not do is the dispatcher's
// resource matching (matchConstraints): every request names the resource tekton.dev/v1 pipelineruns, whatever object
// it carries (no policy evaluated with it reads `request.resource`).
//
// Usage:
//
//	vap-eval POLICY.json CASES.json
//
// POLICY.json is a ValidatingAdmissionPolicy object. CASES.json is an array of
// {"name", "operation", "namespace", "username", "object", "oldObject"}: operation defaults to CREATE; object is the
// requested object, oldObject the stored one (what a DELETE carries alone and an UPDATE beside object; the policy
// sees it as `oldObject`, and `object` is null on a DELETE). Output on standard output: {"compileErrors": [...],
// "results": [...]}, one result per case, {"name", "matched", "denied", "messages": [...]}.
// Exit status: 0 when every expression compiled and every case was evaluated, 1 when an expression does not compile,
// 2 for unusable input.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/apiserver/pkg/admission/plugin/cel"
	"k8s.io/apiserver/pkg/admission/plugin/policy/validating"
	"k8s.io/apiserver/pkg/admission/plugin/webhook/matchconditions"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/cel/environment"
)

// Case is one admission request.
type Case struct {
	Name      string          `json:"name"`
	Operation string          `json:"operation"`
	Namespace string          `json:"namespace"`
	Username  string          `json:"username"`
	Object    json.RawMessage `json:"object"`
	OldObject json.RawMessage `json:"oldObject"`
}

// Result is what the policy decided for one case.
type Result struct {
	Name     string   `json:"name"`
	Matched  bool     `json:"matched"`
	Denied   bool     `json:"denied"`
	Messages []string `json:"messages"`
}

// Output is the tool's whole answer.
type Output struct {
	CompileErrors []string `json:"compileErrors"`
	Results       []Result `json:"results"`
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) != 2 {
		fmt.Fprintln(stderr, "usage: vap-eval POLICY.json CASES.json")
		return 2
	}
	var policy admissionregistrationv1.ValidatingAdmissionPolicy
	if err := readJSON(args[0], &policy); err != nil {
		fmt.Fprintf(stderr, "vap-eval: %s: %v\n", args[0], err)
		return 2
	}
	var cases []Case
	if err := readJSON(args[1], &cases); err != nil {
		fmt.Fprintf(stderr, "vap-eval: %s: %v\n", args[1], err)
		return 2
	}
	out := Output{CompileErrors: compileErrors(&policy), Results: []Result{}}
	validator := compile(&policy)
	for _, c := range cases {
		r, err := evaluate(validator, c)
		if err != nil {
			fmt.Fprintf(stderr, "vap-eval: case %q: %v\n", c.Name, err)
			return 2
		}
		out.Results = append(out.Results, r)
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		fmt.Fprintf(stderr, "vap-eval: %v\n", err)
		return 2
	}
	if len(out.CompileErrors) > 0 {
		return 1
	}
	return 0
}

func readJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}

// environmentTemplate is what the plugin builds once (getCompositionEnvTemplateWithStrictCost in plugin.go): the base
// environment set at the default compatibility version, with strict cost enforcement (on by default since 1.32).
func environmentTemplate() *cel.CompositionEnv {
	env, err := cel.NewCompositionEnv(cel.VariablesTypeName, environment.MustBaseEnvSet(environment.DefaultCompatibilityVersion(), true))
	if err != nil {
		panic(err)
	}
	return env
}

// compile builds the validator as the plugin's compilePolicy does, for a policy without params.
func compile(policy *admissionregistrationv1.ValidatingAdmissionPolicy) validating.Validator {
	optionalVars := cel.OptionalVariableDeclarations{HasParams: false, HasAuthorizer: true, StrictCost: true}
	expressionOptionalVars := cel.OptionalVariableDeclarations{HasParams: false, HasAuthorizer: false, StrictCost: true}
	compiler := cel.NewCompositedCompilerFromTemplate(environmentTemplate())
	variables := make([]cel.NamedExpressionAccessor, len(policy.Spec.Variables))
	for i, v := range policy.Spec.Variables {
		variables[i] = &validating.Variable{Name: v.Name, Expression: v.Expression}
	}
	compiler.CompileAndStoreVariables(variables, optionalVars, environment.StoredExpressions)
	var matcher matchconditions.Matcher
	if len(policy.Spec.MatchConditions) > 0 {
		accessors := make([]cel.ExpressionAccessor, len(policy.Spec.MatchConditions))
		for i := range policy.Spec.MatchConditions {
			accessors[i] = (*matchconditions.MatchCondition)(&policy.Spec.MatchConditions[i])
		}
		matcher = matchconditions.NewMatcher(compiler.CompileCondition(accessors, optionalVars, environment.StoredExpressions), policy.Spec.FailurePolicy, "policy", "validate", policy.Name)
	}
	validations := make([]cel.ExpressionAccessor, len(policy.Spec.Validations))
	messages := make([]cel.ExpressionAccessor, len(policy.Spec.Validations))
	for i, v := range policy.Spec.Validations {
		validations[i] = &validating.ValidationCondition{Expression: v.Expression, Message: v.Message, Reason: v.Reason}
		if v.MessageExpression != "" {
			messages[i] = &validating.MessageExpressionCondition{MessageExpression: v.MessageExpression}
		}
	}
	return validating.NewValidator(
		compiler.CompileCondition(validations, optionalVars, environment.StoredExpressions),
		matcher,
		compiler.CompileCondition(nil, optionalVars, environment.StoredExpressions),
		compiler.CompileCondition(messages, expressionOptionalVars, environment.StoredExpressions),
		policy.Spec.FailurePolicy,
	)
}

// compileErrors compiles every expression alone, as the API server's validation of the policy object does, and
// returns the errors.
func compileErrors(policy *admissionregistrationv1.ValidatingAdmissionPolicy) []string {
	compiler := cel.NewCompiler(environment.MustBaseEnvSet(environment.DefaultCompatibilityVersion(), true))
	opts := cel.OptionalVariableDeclarations{HasParams: false, HasAuthorizer: true, StrictCost: true}
	var errs []string
	check := func(what string, accessor cel.ExpressionAccessor) {
		result := compiler.CompileCELExpression(accessor, opts, environment.StoredExpressions)
		if result.Error != nil {
			errs = append(errs, fmt.Sprintf("%s: %v", what, result.Error))
		}
	}
	for i := range policy.Spec.MatchConditions {
		check(fmt.Sprintf("matchConditions[%d]", i), (*matchconditions.MatchCondition)(&policy.Spec.MatchConditions[i]))
	}
	for i, v := range policy.Spec.Validations {
		check(fmt.Sprintf("validations[%d].expression", i), &validating.ValidationCondition{Expression: v.Expression})
		if v.MessageExpression != "" {
			check(fmt.Sprintf("validations[%d].messageExpression", i), &validating.MessageExpressionCondition{MessageExpression: v.MessageExpression})
		}
	}
	return errs
}

var pipelineRuns = schema.GroupVersionResource{Group: "tekton.dev", Version: "v1", Resource: "pipelineruns"}

// decode reads a case's object; absent or null is no object.
func decode(raw json.RawMessage) (*unstructured.Unstructured, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	obj := &unstructured.Unstructured{}
	if err := obj.UnmarshalJSON(raw); err != nil {
		return nil, err
	}
	return obj, nil
}

func evaluate(v validating.Validator, c Case) (Result, error) {
	obj, err := decode(c.Object)
	if err != nil {
		return Result{}, fmt.Errorf("object: %w", err)
	}
	old, err := decode(c.OldObject)
	if err != nil {
		return Result{}, fmt.Errorf("oldObject: %w", err)
	}
	op := admission.Operation(c.Operation)
	if op == "" {
		op = admission.Create
	}
	// The request's objects as the API server passes them: an untyped nil where there is none (a typed nil pointer
	// would read as an object), and the kind and name of whichever is there.
	var object, oldObject runtime.Object
	named := obj
	if obj != nil {
		obj.SetNamespace(c.Namespace)
		object = obj
	}
	if old != nil {
		old.SetNamespace(c.Namespace)
		oldObject = old
		if named == nil {
			named = old
		}
	}
	if named == nil {
		return Result{}, fmt.Errorf("neither object nor oldObject")
	}
	var options runtime.Object
	switch op {
	case admission.Delete:
		if obj != nil || old == nil {
			return Result{}, fmt.Errorf("a DELETE carries oldObject (the stored object) and no object")
		}
		options = &metav1.DeleteOptions{}
	case admission.Update:
		options = &metav1.UpdateOptions{}
	default:
		options = &metav1.CreateOptions{}
	}
	kind := named.GroupVersionKind()
	attrs := admission.NewAttributesRecord(object, oldObject, kind, c.Namespace, named.GetName(), pipelineRuns, "", op, options, false, &user.DefaultInfo{Name: c.Username})
	versioned := &admission.VersionedAttributes{Attributes: attrs, VersionedKind: kind, VersionedObject: object, VersionedOldObject: oldObject}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: c.Namespace, Labels: map[string]string{"kubernetes.io/metadata.name": c.Namespace}}}
	res := v.Validate(context.Background(), pipelineRuns, versioned, nil, ns, celconfig.RuntimeCELCostBudget, nil)
	r := Result{Name: c.Name, Matched: len(res.Decisions) > 0, Messages: []string{}}
	for _, d := range res.Decisions {
		if d.Action == validating.ActionDeny {
			r.Denied = true
			r.Messages = append(r.Messages, d.Message)
		}
	}
	return r, nil
}
