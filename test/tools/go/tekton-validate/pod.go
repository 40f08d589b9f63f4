package main

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"

	"github.com/tektoncd/pipeline/pkg/apis/pipeline"
	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	podconvert "github.com/tektoncd/pipeline/pkg/pod"
	trresources "github.com/tektoncd/pipeline/pkg/reconciler/taskrun/resources"
	"github.com/tektoncd/pipeline/pkg/workspace"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	quota "k8s.io/apiserver/pkg/quota/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/kubernetes/pkg/api/legacyscheme"
	podutil "k8s.io/kubernetes/pkg/api/pod"
	api "k8s.io/kubernetes/pkg/apis/core"
	_ "k8s.io/kubernetes/pkg/apis/core/install" // core/v1 defaulting and conversion in legacyscheme
	"k8s.io/kubernetes/pkg/apis/core/validation"
	"k8s.io/kubernetes/pkg/capabilities"
	quotacore "k8s.io/kubernetes/pkg/quota/v1/evaluator/core"
	"k8s.io/kubernetes/plugin/pkg/admission/limitranger"
	"k8s.io/utils/clock"
)

// tektonImages stand for the images of the v1.15.0 release (cmd/controller flags); only their names reach the pod.
var tektonImages = pipeline.Images{
	EntrypointImage:        "ghcr.io/tektoncd/pipeline/entrypoint:v1.15.0",
	SidecarLogResultsImage: "ghcr.io/tektoncd/pipeline/sidecarlogresults:v1.15.0",
	NopImage:               "ghcr.io/tektoncd/pipeline/nop:v1.15.0",
	ShellImage:             "cgr.dev/chainguard/busybox:latest",
	ShellImageWin:          "mcr.microsoft.com/powershell:nanoserver",
	WorkingDirInitImage:    "ghcr.io/tektoncd/pipeline/workingdirinit:v1.15.0",
}

func init() {
	// kube-apiserver --allow-privileged: every cluster okd-ci targets (EKS, GKE, AKS, kind) sets it; whether a
	// privileged pod may run is then Pod Security admission's call, made by the namespace's labels.
	capabilities.Initialize(capabilities.Capabilities{AllowPrivileged: true})
}

// podReport is one TaskRun pod as admitted, for --report.
type podReport struct {
	TaskRun string `json:"taskRun"`
	// Admitted is false when the API server would refuse the pod (the problems say why).
	Admitted   bool              `json:"admitted"`
	Task       string            `json:"task"`
	Label      string            `json:"label"`
	Containers []containerReport `json:"containers"`
	// Pod is the pod's quota usage (requests.*, limits.*, pods): init containers count as their maximum, the
	// others as their sum (k8s.io/kubernetes pkg/quota/v1/evaluator/core PodUsageFunc).
	Pod map[string]string `json:"pod"`
}

type containerReport struct {
	Name     string            `json:"name"`
	Init     bool              `json:"init,omitempty"`
	Requests map[string]string `json:"requests"`
	Limits   map[string]string `json:"limits"`
}

// buildAndAdmitPod builds the TaskRun's pod with Tekton's own code (the substitutions of reconcile() and createPod()
// in pkg/reconciler/taskrun/taskrun.go, then pkg/pod Builder.Build with the LimitRange transformer) and sends it
// through what the API server does with a pod create: core/v1 defaulting, LimitRanger's mutation, pod validation,
// LimitRanger's and ResourceQuota's checks.
func (v *validator) buildAndAdmitPod(kube kubernetes.Interface, tr *pipelinev1.TaskRun, rt *trresources.ResolvedTask, label string, fail func(field, msg string)) {
	ctx := v.ctx
	for _, s := range rt.TaskSpec.Steps {
		if s.Script == "" && len(s.Command) == 0 && s.Ref == nil {
			// Tekton would look the entrypoint up in the image's registry, which is not reachable here.
			fail("spec.steps", fmt.Sprintf("step %s has neither script nor command; its pod cannot be built offline", s.Name))
			return
		}
	}

	// reconcile(): workspace volumes, then applyParamsContextsResultsAndWorkspaces.
	trresources.ApplyParametersToWorkspaceBindings(rt.TaskSpec, tr)
	workspaceVolumes := workspace.CreateVolumes(tr.Spec.Workspaces)
	ts := rt.TaskSpec.DeepCopy()
	var defaults []pipelinev1.ParamSpec
	defaults = append(defaults, ts.Params...)
	ts = trresources.ApplyParameters(ts, tr, defaults...)
	ts = trresources.ApplyContexts(ts, rt.TaskName, tr)
	ts = trresources.ApplyResults(ts)
	ts = trresources.ApplyArtifacts(ts)
	ts = trresources.ApplyStepExitCodePath(ts)
	declared := map[string]bool{}
	for _, w := range ts.Workspaces {
		declared[w.Name] = true
	}
	for _, w := range tr.Spec.Workspaces {
		if !declared[w.Name] {
			ts.Workspaces = append(ts.Workspaces, pipelinev1.WorkspaceDeclaration{Name: w.Name})
		}
	}
	ts = trresources.ApplyWorkspaces(ctx, ts, ts.Workspaces, tr.Spec.Workspaces, workspaceVolumes)

	// createPod().
	if fe := pipelinev1.ValidateUsageOfDeclaredParameters(ctx, ts.Steps, ts.Params); fe != nil {
		fail("spec.steps", "TaskRunValidationFailed: "+fe.Error())
		return
	}
	if fe := ts.Validate(ctx); fe != nil {
		fail("spec", "TaskRunValidationFailed: "+fe.Error())
		return
	}
	ts, err := workspace.Apply(ctx, *ts, tr.Spec.Workspaces, workspaceVolumes)
	if err != nil {
		fail("spec.workspaces", err.Error())
		return
	}
	ts = trresources.ApplyCredentialsPath(ts, pipeline.CredsDir)
	if tr.Spec.PodTemplate != nil {
		if updated := trresources.ApplyPodTemplateReplacements(tr.Spec.PodTemplate, tr, ts.Params...); updated != nil {
			tr = tr.DeepCopy()
			tr.Spec.PodTemplate = updated
		}
	}
	if d := v.configDefaults(); d != nil && len(d.DefaultContainerResourceRequirements) > 0 {
		fail("-", "config-defaults sets default-container-resource-requirements, whose transformer this validator does not model")
		return
	}
	builder := podconvert.Builder{Images: tektonImages, KubeClient: kube, EntrypointCache: nil}
	pod, err := builder.Build(ctx, tr, *ts, limitRangeTransformer(v.limitRanges[tr.Namespace]))
	if err != nil {
		fail("-", "translating TaskSpec to Pod: "+err.Error())
		return
	}

	report, problems := v.admitPod(pod)
	for _, p := range problems {
		fail(p.field, p.message)
	}
	if report != nil {
		report.TaskRun = tr.Name
		report.Task = rt.TaskName
		report.Label = label
		report.Admitted = len(problems) == 0
		v.pods = append(v.pods, *report)
	}
}

type podProblem struct{ field, message string }

// admitPod is the API server's handling of a pod create in the pod's namespace (k8s.io/kubernetes v1.36.3):
//
//  1. decoding defaults the v1 object (pkg/apis/core/v1 SetObjectDefaults_Pod: a container with a limit and no
//     request gets the limit as its request);
//  2. mutating admission: LimitRanger fills each container's missing requests and limits from every LimitRange of
//     the namespace (plugin/pkg/admission/limitranger PodMutateLimitFunc);
//  3. validation of the internal object (pkg/apis/core/validation ValidatePodCreate: e.g. a request above its
//     limit is refused, "must be less than or equal to memory limit");
//  4. validating admission: LimitRanger's min/max/ratio (PodValidateLimitFunc), then ResourceQuota: every container
//     must state each quota'd compute resource and the pod's usage must fit what each quota allows
//     (pkg/quota/v1/evaluator/core podEvaluator.Constraints and Usage; k8s.io/apiserver's quota admission compares
//     used + usage with hard; with nothing else running, used is zero).
func (v *validator) admitPod(pod *corev1.Pod) (*podReport, []podProblem) {
	var problems []podProblem
	names := containerNames(pod)
	external := pod.DeepCopy()
	legacyscheme.Scheme.Default(external)
	internal := &api.Pod{}
	if err := legacyscheme.Scheme.Convert(external, internal, nil); err != nil {
		return nil, []podProblem{{"-", "converting the pod: " + err.Error()}}
	}
	for _, lr := range v.limitRanges[pod.Namespace] {
		if err := limitranger.PodMutateLimitFunc(lr, internal); err != nil {
			problems = append(problems, podProblem{"-", fmt.Sprintf("LimitRange %s: %v", lr.Name, err)})
		}
	}
	opts := podutil.GetValidationOptionsFromPodSpecAndMeta(&internal.Spec, nil, &internal.ObjectMeta, nil)
	for _, e := range validation.ValidatePodCreate(internal, opts) {
		problems = append(problems, podProblem{names.describe(e.Field), "pod is invalid: " + e.ErrorBody()})
	}
	for _, lr := range v.limitRanges[pod.Namespace] {
		if err := limitranger.PodValidateLimitFunc(lr, internal); err != nil {
			problems = append(problems, podProblem{"-", fmt.Sprintf("forbidden by LimitRange %s: %v", lr.Name, err)})
		}
	}
	evaluator := quotacore.NewPodEvaluator(nil, clock.RealClock{})
	usage, err := evaluator.Usage(internal)
	if err != nil {
		problems = append(problems, podProblem{"-", "quota usage: " + err.Error()})
	}
	for _, q := range v.quotas[pod.Namespace] {
		hard := q.Spec.Hard
		restricted := evaluator.MatchingResources(quota.ResourceNames(hard))
		if err := evaluator.Constraints(restricted, internal); err != nil {
			problems = append(problems, podProblem{"-", fmt.Sprintf("forbidden: failed quota: %s: %v", q.Name, err)})
			continue
		}
		if ok, exceeded := quota.LessThanOrEqual(quota.Mask(usage, quota.ResourceNames(hard)), hard); !ok {
			problems = append(problems, podProblem{"-", fmt.Sprintf("forbidden: exceeded quota: %s, requested: %s, limited: %s",
				q.Name, formatList(quota.Mask(usage, exceeded)), formatList(quota.Mask(hard, exceeded)))})
		}
	}

	report := &podReport{Pod: resourceMap(usage)}
	admitted := &corev1.Pod{}
	if err := legacyscheme.Scheme.Convert(internal, admitted, nil); err == nil {
		for _, c := range admitted.Spec.InitContainers {
			report.Containers = append(report.Containers, containerReport{Name: c.Name, Init: true,
				Requests: resourceMap(c.Resources.Requests), Limits: resourceMap(c.Resources.Limits)})
		}
		for _, c := range admitted.Spec.Containers {
			report.Containers = append(report.Containers, containerReport{Name: c.Name,
				Requests: resourceMap(c.Resources.Requests), Limits: resourceMap(c.Resources.Limits)})
		}
	}
	return report, problems
}

// limitRangeTransformer is Tekton's LimitRange support: pkg/internal/computeresources/transformer.go at v1.15.0
// (an internal package, so it cannot be imported and is transcribed here; docs/compute-resources.md "LimitRange
// Support"). Step containers without a request get the LimitRange's defaultRequest divided by the number of steps
// (at least its min), so that the pod, whose steps run one after another, does not reserve the default once per
// step; init containers and sidecars are left to the API server's LimitRanger. It does not set limits, whatever its
// doc comment says. Tekton merges several LimitRanges into a "virtual" one first; a namespace with more than one is
// reported instead of modelled.
func limitRangeTransformer(limitRanges []*corev1.LimitRange) podconvert.Transformer {
	return func(p *corev1.Pod) (*corev1.Pod, error) {
		switch len(limitRanges) {
		case 0:
			return p, nil
		case 1:
		default:
			return nil, fmt.Errorf("%d LimitRanges in namespace %s: Tekton's merge of several is not modelled here", len(limitRanges), p.Namespace)
		}
		steps := 0
		for _, c := range p.Spec.Containers {
			if podconvert.IsContainerStep(c.Name) {
				steps++
			}
		}
		defaults := defaultStepRequests(limitRanges[0], steps)
		for i, c := range p.Spec.Containers {
			if !podconvert.IsContainerStep(c.Name) {
				continue
			}
			if p.Spec.Containers[i].Resources.Requests == nil {
				p.Spec.Containers[i].Resources.Requests = defaults.DeepCopy()
				continue
			}
			for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourceEphemeralStorage} {
				if q := p.Spec.Containers[i].Resources.Requests[name]; q.IsZero() {
					if d, ok := defaults[name]; ok && !d.IsZero() {
						p.Spec.Containers[i].Resources.Requests[name] = d
					}
				}
			}
		}
		return p, nil
	}
}

// defaultStepRequests is getDefaultStepContainerRequest of the same file.
func defaultStepRequests(lr *corev1.LimitRange, steps int) corev1.ResourceList {
	out := corev1.ResourceList{}
	if steps == 0 {
		return nil
	}
	for _, item := range lr.Spec.Limits {
		if item.Type != corev1.LimitTypeContainer {
			continue
		}
		for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourceEphemeralStorage} {
			def := item.DefaultRequest[name]
			minimum := item.Min[name]
			var share resource.Quantity
			if name == corev1.ResourceCPU {
				share = *resource.NewMilliQuantity(def.MilliValue()/int64(steps), def.Format)
			} else {
				share = *resource.NewQuantity(def.Value()/int64(steps), def.Format)
			}
			result := maxQuantity(out[name], share, minimum)
			if !result.IsZero() {
				out[name] = result
			}
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func maxQuantity(qs ...resource.Quantity) resource.Quantity {
	var m resource.Quantity
	for _, q := range qs {
		if q.Cmp(m) > 0 {
			m = q
		}
	}
	return m
}

func resourceMap(l corev1.ResourceList) map[string]string {
	out := map[string]string{}
	for k, q := range l {
		out[string(k)] = q.String()
	}
	return out
}

func formatList(l corev1.ResourceList) string {
	keys := make([]string, 0, len(l))
	for k := range l {
		keys = append(keys, string(k))
	}
	sort.Strings(keys)
	parts := ""
	for i, k := range keys {
		if i > 0 {
			parts += ","
		}
		q := l[corev1.ResourceName(k)]
		parts += k + "=" + q.String()
	}
	return parts
}

// containerNaming turns spec.containers[N] in a field path into the container's name (Tekton names step
// containers step-<step name>).
type containerNaming struct{ containers, initContainers []string }

func containerNames(p *corev1.Pod) containerNaming {
	var n containerNaming
	for _, c := range p.Spec.Containers {
		n.containers = append(n.containers, c.Name)
	}
	for _, c := range p.Spec.InitContainers {
		n.initContainers = append(n.initContainers, c.Name)
	}
	return n
}

var containerIndex = regexp.MustCompile(`^spec\.(containers|initContainers)\[(\d+)\]`)

func (n containerNaming) describe(field string) string {
	m := containerIndex.FindStringSubmatch(field)
	if m == nil {
		return "pod " + field
	}
	i, _ := strconv.Atoi(m[2])
	list := n.containers
	if m[1] == "initContainers" {
		list = n.initContainers
	}
	if i < len(list) {
		return fmt.Sprintf("pod %s (container %s)", field, list[i])
	}
	return "pod " + field
}
