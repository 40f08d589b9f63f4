package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"

	pipelineconfig "github.com/tektoncd/pipeline/pkg/apis/config"
	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	pipelinev1beta1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1beta1"
	triggersconfig "github.com/tektoncd/triggers/pkg/apis/config"
	triggerscontexts "github.com/tektoncd/triggers/pkg/apis/triggers/contexts"
	triggersv1alpha1 "github.com/tektoncd/triggers/pkg/apis/triggers/v1alpha1"
	triggersv1beta1 "github.com/tektoncd/triggers/pkg/apis/triggers/v1beta1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"knative.dev/pkg/apis"
	sigsjson "sigs.k8s.io/json"
)

// tektonNamespace is where Tekton Pipelines and Triggers read their ConfigMaps (config/100-namespace of both releases).
const tektonNamespace = "tekton-pipelines"

// validator holds the objects and what has been found.
type validator struct {
	ctx          context.Context
	objects      []*object
	configSource string
	problems     []problem
	pods         []podReport

	// Decoded and defaulted, as they would be stored after the mutating webhook.
	tasks     map[string]*pipelinev1.Task     // namespace/name
	pipelines map[string]*pipelinev1.Pipeline // namespace/name
	origin    map[any]*object
	runs      []pipelineRunSource

	serviceAccounts []*corev1.ServiceAccount
	secrets         []*corev1.Secret
	limitRanges     map[string][]*corev1.LimitRange    // by namespace
	quotas          map[string][]*corev1.ResourceQuota // by namespace
}

// pipelineRunSource is a PipelineRun and where it comes from (a file, or a TriggerTemplate's resourcetemplates).
type pipelineRunSource struct {
	run    *pipelinev1.PipelineRun
	origin *object
	field  string
}

func newValidator(ctx context.Context, objects []*object) *validator {
	return &validator{
		ctx:         ctx,
		objects:     objects,
		tasks:       map[string]*pipelinev1.Task{},
		pipelines:   map[string]*pipelinev1.Pipeline{},
		origin:      map[any]*object{},
		limitRanges: map[string][]*corev1.LimitRange{},
		quotas:      map[string][]*corev1.ResourceQuota{},
	}
}

func (v *validator) add(p problem) { v.problems = append(v.problems, p) }

func key(namespace, name string) string { return namespace + "/" + name }

// run performs every check, in the order the cluster would meet the objects.
func (v *validator) run() {
	v.ctx = v.withConfig(v.ctx)
	for _, o := range v.objects {
		v.admitObject(o)
	}
	for _, tt := range v.objects {
		if tt.APIVersion == "triggers.tekton.dev/v1beta1" && tt.Kind == "TriggerTemplate" {
			v.expandTriggerTemplate(tt)
		}
	}
	v.checkEventListeners()
	covered := map[string]bool{}
	for _, src := range v.runs {
		for _, t := range v.checkPipelineRun(src) {
			covered[t] = true
		}
	}
	v.checkUncoveredTasks(covered)
}

// withConfig attaches Tekton Pipelines' and Triggers' configuration, read from the objects, to the context the
// webhooks and reconcilers consult (config.FromContextOrDefaults in both projects).
func (v *validator) withConfig(ctx context.Context) context.Context {
	data := map[string]map[string]string{}
	sources := map[string]string{}
	for _, o := range v.objects {
		if o.APIVersion != "v1" || o.Kind != "ConfigMap" || o.Metadata.Namespace != tektonNamespace {
			continue
		}
		var cm corev1.ConfigMap
		if err := strictDecode(o, &cm); err != nil {
			continue
		}
		if data[cm.Name] == nil {
			data[cm.Name] = map[string]string{}
		}
		for k, val := range cm.Data {
			data[cm.Name][k] = val
		}
		sources[cm.Name] = o.File
	}

	// Tekton's ConfigMap webhook (config.webhook.pipeline.tekton.dev) rejects what these constructors reject.
	cfg := pipelineconfig.FromContextOrDefaults(ctx)
	cfgCopy := *cfg
	var used []string
	if d, ok := data[pipelineconfig.GetFeatureFlagsConfigName()]; ok {
		ff, err := pipelineconfig.NewFeatureFlagsFromMap(d)
		if err != nil {
			v.add(problem{File: sources[pipelineconfig.GetFeatureFlagsConfigName()], Kind: "ConfigMap",
				Name: pipelineconfig.GetFeatureFlagsConfigName(), Field: "data", Message: err.Error()})
		} else {
			cfgCopy.FeatureFlags = ff
			used = append(used, fmt.Sprintf("feature-flags from %s (%s)", sources[pipelineconfig.GetFeatureFlagsConfigName()], describeFlags(d)))
		}
	}
	if d, ok := data[pipelineconfig.GetDefaultsConfigName()]; ok {
		defaults, err := pipelineconfig.NewDefaultsFromMap(d)
		if err != nil {
			v.add(problem{File: sources[pipelineconfig.GetDefaultsConfigName()], Kind: "ConfigMap",
				Name: pipelineconfig.GetDefaultsConfigName(), Field: "data", Message: err.Error()})
		} else {
			cfgCopy.Defaults = defaults
			used = append(used, fmt.Sprintf("config-defaults from %s", sources[pipelineconfig.GetDefaultsConfigName()]))
		}
	}
	ctx = pipelineconfig.ToContext(ctx, &cfgCopy)

	tcfg := *triggersconfig.FromContextOrDefaults(ctx)
	if d, ok := data[triggersconfig.GetFeatureFlagsConfigName()]; ok {
		if ff, err := triggersconfig.NewFeatureFlagsFromMap(d); err != nil {
			v.add(problem{File: sources[triggersconfig.GetFeatureFlagsConfigName()], Kind: "ConfigMap",
				Name: triggersconfig.GetFeatureFlagsConfigName(), Field: "data", Message: err.Error()})
		} else {
			tcfg.FeatureFlags = ff
			used = append(used, "Triggers feature flags from "+sources[triggersconfig.GetFeatureFlagsConfigName()])
		}
	}
	ctx = triggersconfig.ToContext(ctx, &tcfg)

	if len(used) == 0 {
		v.configSource = "no Tekton ConfigMaps among the objects: Tekton's defaults apply"
	} else {
		v.configSource = strings.Join(used, "; ")
	}
	return ctx
}

// configDefaults is the config-defaults in force.
func (v *validator) configDefaults() *pipelineconfig.Defaults {
	return pipelineconfig.FromContextOrDefaults(v.ctx).Defaults
}

func describeFlags(d map[string]string) string {
	parts := make([]string, 0, len(d))
	for _, k := range sortedKeys(d) {
		parts = append(parts, k+"="+d[k])
	}
	return strings.Join(parts, " ")
}

// strictDecode decodes as the API server does (sigs.k8s.io/json: case-sensitive); unknown and duplicate fields are
// errors, as Tekton's and Triggers' webhooks are built to disallow unknown fields (cmd/webhook/main.go of both).
func strictDecode(o *object, into any) error {
	raw := withoutUnknownObjects(o.Raw, reflect.TypeOf(into).Elem())
	strictErrs, err := sigsjson.UnmarshalStrict(raw, into)
	if err != nil {
		return err
	}
	if len(strictErrs) > 0 {
		msgs := make([]string, 0, len(strictErrs))
		for _, e := range strictErrs {
			msgs = append(msgs, e.Error())
		}
		return fmt.Errorf("%s", strings.Join(msgs, "; "))
	}
	return nil
}

// placeholder is how okd-ci's synth writes a value that is known only after deployment, or a secret.
var placeholder = regexp.MustCompile(`^\[(unknown(: [^\]]*)?|secret)\]$`)

// withoutUnknownObjects drops synth placeholders that stand for a whole map or list (e.g. annotations known only
// after apply): they are strings where the type wants an object, which would fail decoding for a reason no cluster
// would meet. Placeholders in string fields stay, as plain strings.
func withoutUnknownObjects(raw []byte, typ reflect.Type) []byte {
	for range 50 {
		err := json.Unmarshal(raw, reflect.New(typ).Interface())
		var typeErr *json.UnmarshalTypeError
		if !errors.As(err, &typeErr) || typeErr.Value != "string" || typeErr.Field == "" {
			return raw
		}
		var tree any
		if json.Unmarshal(raw, &tree) != nil || !dropPlaceholder(tree, strings.Split(typeErr.Field, ".")) {
			return raw
		}
		raw, _ = json.Marshal(tree)
	}
	return raw
}

// dropPlaceholder deletes the placeholder string at path (looking through every element of a list on the way).
func dropPlaceholder(node any, path []string) bool {
	switch n := node.(type) {
	case []any:
		dropped := false
		for _, e := range n {
			dropped = dropPlaceholder(e, path) || dropped
		}
		return dropped
	case map[string]any:
		child, ok := n[path[0]]
		if !ok {
			return false
		}
		if len(path) == 1 {
			if s, isString := child.(string); isString && placeholder.MatchString(s) {
				delete(n, path[0])
				return true
			}
			return false
		}
		return dropPlaceholder(child, path[1:])
	}
	return false
}

// webhookObject is what Tekton's and Triggers' defaulting and validating webhooks call (knative.dev/pkg/webhook/
// resourcesemantics: SetDefaults in the mutating webhook, then Validate in the validating one).
type webhookObject interface {
	apis.Defaultable
	apis.Validatable
}

// newWebhookObject returns an empty object of a kind Tekton's or Triggers' webhooks admit, or nil.
func newWebhookObject(apiVersion, kind string) webhookObject {
	switch apiVersion + "/" + kind {
	case "tekton.dev/v1/Task":
		return &pipelinev1.Task{}
	case "tekton.dev/v1/Pipeline":
		return &pipelinev1.Pipeline{}
	case "tekton.dev/v1/PipelineRun":
		return &pipelinev1.PipelineRun{}
	case "tekton.dev/v1/TaskRun":
		return &pipelinev1.TaskRun{}
	case "tekton.dev/v1beta1/Task":
		return &pipelinev1beta1.Task{}
	case "tekton.dev/v1beta1/Pipeline":
		return &pipelinev1beta1.Pipeline{}
	case "tekton.dev/v1beta1/PipelineRun":
		return &pipelinev1beta1.PipelineRun{}
	case "tekton.dev/v1beta1/TaskRun":
		return &pipelinev1beta1.TaskRun{}
	case "tekton.dev/v1beta1/StepAction":
		return &pipelinev1beta1.StepAction{}
	case "tekton.dev/v1beta1/CustomRun":
		return &pipelinev1beta1.CustomRun{}
	case "triggers.tekton.dev/v1beta1/EventListener":
		return &triggersv1beta1.EventListener{}
	case "triggers.tekton.dev/v1beta1/TriggerTemplate":
		return &triggersv1beta1.TriggerTemplate{}
	case "triggers.tekton.dev/v1beta1/TriggerBinding":
		return &triggersv1beta1.TriggerBinding{}
	case "triggers.tekton.dev/v1beta1/ClusterTriggerBinding":
		return &triggersv1beta1.ClusterTriggerBinding{}
	case "triggers.tekton.dev/v1beta1/Trigger":
		return &triggersv1beta1.Trigger{}
	case "triggers.tekton.dev/v1alpha1/Interceptor":
		return &triggersv1alpha1.Interceptor{}
	case "triggers.tekton.dev/v1alpha1/ClusterInterceptor":
		return &triggersv1alpha1.ClusterInterceptor{}
	}
	return nil
}

// admitObject runs one object through the webhooks (for Tekton kinds) and keeps what later checks need.
func (v *validator) admitObject(o *object) {
	if strings.HasSuffix(strings.SplitN(o.APIVersion, "/", 2)[0], "tekton.dev") {
		obj := newWebhookObject(o.APIVersion, o.Kind)
		if obj == nil {
			v.add(o.problem("apiVersion", "%s %s is not a kind this validator knows (Tekton Pipelines v1.15, Triggers v0.37); the API server would refuse an unserved version", o.APIVersion, o.Kind))
			return
		}
		if !v.admitWebhook(o, obj, "") {
			return
		}
		v.origin[obj] = o
		switch t := obj.(type) {
		case *pipelinev1.Task:
			v.tasks[key(t.Namespace, t.Name)] = t
		case *pipelinev1.Pipeline:
			v.pipelines[key(t.Namespace, t.Name)] = t
		case *pipelinev1.PipelineRun:
			v.runs = append(v.runs, pipelineRunSource{run: t, origin: o})
		}
		return
	}
	switch o.APIVersion + "/" + o.Kind {
	case "v1/ServiceAccount":
		sa := &corev1.ServiceAccount{}
		if v.decode(o, sa) {
			v.serviceAccounts = append(v.serviceAccounts, sa)
		}
	case "v1/Secret":
		// Synth masks secret values, so only what creds-init reads is decoded: name, type and annotations.
		var s struct {
			Metadata metav1.ObjectMeta `json:"metadata"`
			Type     corev1.SecretType `json:"type"`
		}
		if err := json.Unmarshal(o.Raw, &s); err != nil {
			v.add(o.problem("-", "does not decode: %v", err))
			return
		}
		v.secrets = append(v.secrets, &corev1.Secret{ObjectMeta: s.Metadata, Type: s.Type})
	case "v1/LimitRange":
		lr := &corev1.LimitRange{}
		if v.decode(o, lr) {
			v.limitRanges[lr.Namespace] = append(v.limitRanges[lr.Namespace], lr)
		}
	case "v1/ResourceQuota":
		q := &corev1.ResourceQuota{}
		if v.decode(o, q) {
			v.quotas[q.Namespace] = append(v.quotas[q.Namespace], q)
		}
	}
}

func (v *validator) decode(o *object, into any) bool {
	if err := strictDecode(o, into); err != nil {
		v.add(o.problem("-", "does not decode: %v", err))
		return false
	}
	return true
}

// admitWebhook decodes, defaults and validates one Tekton object as its webhooks do on create; field prefixes the
// problem fields (for objects inside a TriggerTemplate).
func (v *validator) admitWebhook(o *object, obj webhookObject, field string) bool {
	if err := strictDecode(o, obj); err != nil {
		v.add(problem{File: o.File, Kind: o.Kind, Name: o.name(), Field: join(field, "-"), Message: "does not decode: " + err.Error()})
		return false
	}
	ctx := apis.WithinCreate(v.ctx)
	if strings.HasPrefix(o.APIVersion, "triggers.tekton.dev/") || strings.HasPrefix(apiVersionOf(obj), "triggers.tekton.dev/") {
		// Triggers' webhooks (cmd/webhook/main.go at v0.37.0) default and validate under this context; without it
		// SetDefaults leaves binding and interceptor kinds empty and Validate rejects them.
		ctx = triggerscontexts.WithUpgradeViaDefaulting(ctx)
	}
	obj.SetDefaults(ctx)
	if fe := obj.Validate(ctx); fe != nil {
		v.addFieldErrors(o, field, fe)
		// Warnings do not stop admission; errors do.
		return fe.Filter(apis.ErrorLevel) == nil
	}
	return true
}

// addFieldErrors adds one problem per error of a knative FieldError, at its paths.
func (v *validator) addFieldErrors(o *object, field string, fe *apis.FieldError) {
	errs := fe.Filter(apis.ErrorLevel)
	if errs == nil {
		return
	}
	for _, e := range errs.WrappedErrors() {
		msg := e.Message
		if e.Details != "" {
			msg += " (" + e.Details + ")"
		}
		v.add(problem{File: o.File, Kind: o.Kind, Name: o.name(), Field: join(field, strings.Join(e.Paths, ", ")), Message: msg})
	}
}

// apiVersionOf is the group/version an object's Go type belongs to.
func apiVersionOf(obj any) string {
	switch obj.(type) {
	case *triggersv1beta1.EventListener, *triggersv1beta1.TriggerTemplate, *triggersv1beta1.TriggerBinding,
		*triggersv1beta1.ClusterTriggerBinding, *triggersv1beta1.Trigger:
		return "triggers.tekton.dev/v1beta1"
	case *triggersv1alpha1.Interceptor, *triggersv1alpha1.ClusterInterceptor:
		return "triggers.tekton.dev/v1alpha1"
	}
	return ""
}

func join(prefix, field string) string {
	switch {
	case prefix == "":
		return field
	case field == "" || field == "-":
		return prefix
	default:
		return prefix + "." + field
	}
}
