package main

import (
	"context"
	"fmt"
	"sort"
	"strings"

	pipelineconfig "github.com/tektoncd/pipeline/pkg/apis/config"
	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	"github.com/tektoncd/pipeline/pkg/apis/pipeline/v1beta1"
	tektonfake "github.com/tektoncd/pipeline/pkg/client/clientset/versioned/fake"
	"github.com/tektoncd/pipeline/pkg/reconciler/pipeline/dag"
	prresources "github.com/tektoncd/pipeline/pkg/reconciler/pipelinerun/resources"
	"github.com/tektoncd/pipeline/pkg/reconciler/taskrun"
	trresources "github.com/tektoncd/pipeline/pkg/reconciler/taskrun/resources"
	"github.com/tektoncd/pipeline/pkg/workspace"
	corev1 "k8s.io/api/core/v1"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	k8sfake "k8s.io/client-go/kubernetes/fake"
)

// clients are fake API clients holding the objects, for Tekton's reference resolution (LocalTaskRefResolver reads
// Tasks through the Tekton clientset) and pod construction (creds-init reads the ServiceAccount and its Secrets).
func (v *validator) clients() (kubernetes.Interface, *tektonfake.Clientset) {
	var kubeObjects []runtime.Object
	// The controller-manager creates a `default` ServiceAccount in every namespace.
	hasDefault := map[string]bool{}
	for _, sa := range v.serviceAccounts {
		kubeObjects = append(kubeObjects, sa)
		if sa.Name == "default" {
			hasDefault[sa.Namespace] = true
		}
	}
	for _, ns := range v.namespaces() {
		if !hasDefault[ns] {
			kubeObjects = append(kubeObjects, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: ns}})
		}
	}
	for _, s := range v.secrets {
		kubeObjects = append(kubeObjects, s)
	}
	var tektonObjects []runtime.Object
	for _, k := range sortedKeys(v.tasks) {
		tektonObjects = append(tektonObjects, v.tasks[k])
	}
	for _, k := range sortedKeys(v.pipelines) {
		tektonObjects = append(tektonObjects, v.pipelines[k])
	}
	return k8sfake.NewSimpleClientset(kubeObjects...), tektonfake.NewSimpleClientset(tektonObjects...)
}

// checkPipelineRun follows the PipelineRun reconciler (pkg/reconciler/pipelinerun/pipelinerun.go, reconcile(), at
// v1.15.0) up to creating TaskRuns: every check it makes before the first TaskRun, in its order, each failure being
// what would mark the run Failed. Then each pipeline task's TaskRun is built as createTaskRun does and its pod is
// built and admitted. Returns the keys of the Tasks it ran.
func (v *validator) checkPipelineRun(src pipelineRunSource) []string {
	pr := src.run.DeepCopy()
	o := src.origin
	fail := func(field, format string, args ...any) {
		v.add(problem{File: o.File, Kind: o.Kind, Name: o.name(), Field: join(src.field, field), Message: fmt.Sprintf(format, args...)})
	}
	ctx := v.ctx

	var pipelineSpec *pipelinev1.PipelineSpec
	pipelineName := ""
	switch {
	case pr.Spec.PipelineRef != nil && pr.Spec.PipelineRef.Resolver != "":
		fail("spec.pipelineRef", "remote resolution (%s) is not checked offline", pr.Spec.PipelineRef.Resolver)
		return nil
	case pr.Spec.PipelineRef != nil:
		pipelineName = pr.Spec.PipelineRef.Name
		p, ok := v.pipelines[key(pr.Namespace, pipelineName)]
		if !ok {
			fail("spec.pipelineRef.name", "Pipeline %s/%s is not among the objects: the run would fail with CouldntGetPipeline", pr.Namespace, pipelineName)
			return nil
		}
		pipelineSpec = p.Spec.DeepCopy()
	case pr.Spec.PipelineSpec != nil:
		pipelineSpec = pr.Spec.PipelineSpec.DeepCopy()
	default:
		return nil
	}
	pipelineSpec.SetDefaults(ctx)
	where := func(s string) string { return fmt.Sprintf("%s (Pipeline %s)", s, pipelineName) }

	if _, err := dag.Build(pipelinev1.PipelineTaskList(pipelineSpec.Tasks), pipelinev1.PipelineTaskList(pipelineSpec.Tasks).Deps()); err != nil {
		fail("spec", where("InvalidGraph: %v"), err)
		return nil
	}
	if _, err := dag.Build(pipelinev1.PipelineTaskList(pipelineSpec.Finally), map[string][]string{}); err != nil {
		fail("spec", where("InvalidGraph in finally: %v"), err)
		return nil
	}
	if err := pipelineSpec.Validate(ctx); err != nil {
		fail("spec", where("PipelineValidationFailed: %v"), err)
		return nil
	}
	checks := []struct {
		reason string
		err    func() error
	}{
		{"ParameterMissing", func() error {
			return prresources.ValidateRequiredParametersProvided(&pipelineSpec.Params, &pr.Spec.Params)
		}},
		{"ParameterTypeMismatch", func() error { return prresources.ValidateParamTypesMatching(pipelineSpec, pr) }},
		{"InvalidParamValue", func() error {
			if pipelineconfig.FromContextOrDefaults(ctx).FeatureFlags.EnableParamEnum {
				return taskrun.ValidateEnumParam(ctx, pr.Spec.Params, pipelineSpec.Params)
			}
			return nil
		}},
		{"ObjectParameterMissKeys", func() error {
			return prresources.ValidateObjectParamRequiredKeys(pipelineSpec.Params, pr.Spec.Params)
		}},
		{"ParamArrayIndexingInvalid", func() error { return prresources.ValidateParamArrayIndex(pipelineSpec, pr.Spec.Params) }},
		{"InvalidWorkspaceBindings", func() error { return prresources.ValidateWorkspaceBindings(pipelineSpec, pr) }},
		{"InvalidTaskRunSpecs", func() error { return prresources.ValidateTaskRunSpecs(pipelineSpec, pr) }},
	}
	for _, c := range checks {
		if err := c.err(); err != nil {
			fail("spec", where(c.reason+": %v"), err)
			return nil
		}
	}

	prresources.ApplyParametersToWorkspaceBindings(pr)
	pipelineSpec, err := prresources.ApplyParameters(pipelineSpec, pr)
	if err != nil {
		fail("spec.params", where("PipelineValidationFailed: %v"), err)
		return nil
	}
	pipelineSpec = prresources.ApplyContexts(pipelineSpec, pipelineName, pr)
	pipelineSpec = prresources.ApplyWorkspaces(pipelineSpec, pr)

	kube, tekton := v.clients()
	notFound := func(resource string) func(string) error {
		return func(name string) error {
			return kerrors.NewNotFound(schema.GroupResource{Group: "tekton.dev", Resource: resource}, name)
		}
	}
	var state prresources.PipelineRunState
	allTasks := append(append([]pipelinev1.PipelineTask{}, pipelineSpec.Tasks...), pipelineSpec.Finally...)
	for _, pt := range allTasks {
		trName := prresources.GetTaskRunName(pr.Status.ChildReferences, pt.Name, pr.Name)
		getTask := trresources.GetTaskFunc(ctx, kube, tekton, nil, pr, pt.TaskRef, trName, pr.Namespace,
			pr.Spec.TaskRunTemplate.ServiceAccountName, nil)
		rpt, err := prresources.ResolvePipelineTask(ctx, *pr,
			func(name string) (*pipelinev1.PipelineRun, error) { return nil, notFound("pipelineruns")(name) },
			nil,
			getTask,
			func(name string) (*pipelinev1.TaskRun, error) { return nil, notFound("taskruns")(name) },
			func(name string) (*v1beta1.CustomRun, error) { return nil, notFound("customruns")(name) },
			pt, state)
		if err != nil {
			fail("spec", where("pipeline task %s: CouldntGetTask: %v"), pt.Name, err)
			return nil
		}
		state = append(state, rpt)
	}

	var covered []string
	for _, rpt := range state {
		if rpt.IsCustomTask() || rpt.IsChildPipeline() || rpt.ResolvedTask == nil {
			continue
		}
		if err := taskrun.ValidateResolvedTask(ctx, rpt.PipelineTask.Params, rpt.PipelineTask.Matrix, rpt.ResolvedTask); err != nil {
			fail("spec", where("pipeline task %s: PipelineValidationFailed: %v"), rpt.PipelineTask.Name, err)
			return nil
		}
	}
	for _, c := range []struct {
		reason string
		err    func() error
	}{
		{"InvalidTaskResultReference", func() error { return prresources.ValidatePipelineTaskResults(state) }},
		{"InvalidPipelineResultReference", func() error { return prresources.ValidatePipelineResults(pipelineSpec, state) }},
		{"RequiredWorkspaceMarkedOptional", func() error {
			return prresources.ValidateOptionalWorkspaces(pipelineSpec.Workspaces, state)
		}},
	} {
		if err := c.err(); err != nil {
			fail("spec", where(c.reason+": %v"), err)
			return nil
		}
	}

	// Each pipeline task's TaskRuns, as createTaskRun builds them, then the TaskRun reconciler's checks and its pod.
	for _, rpt := range state {
		if rpt.IsCustomTask() || rpt.IsChildPipeline() || rpt.ResolvedTask == nil {
			continue
		}
		taskKey := key(pr.Namespace, rpt.ResolvedTask.TaskName)
		covered = append(covered, taskKey)
		combinations := []pipelinev1.Params{nil}
		if rpt.PipelineTask.IsMatrixed() {
			combinations = rpt.PipelineTask.Matrix.FanOut()
		}
		for i, combination := range combinations {
			tr, err := buildTaskRun(ctx, pr, rpt, combination, i)
			if err != nil {
				fail("spec", where("pipeline task %s: %v"), rpt.PipelineTask.Name, err)
				continue
			}
			label := fmt.Sprintf("%s pipeline task %s", pipelineName, rpt.PipelineTask.Name)
			if len(combinations) > 1 {
				label += fmt.Sprintf(" (matrix combination %d)", i)
			}
			v.checkTaskRun(kube, tr, rpt.ResolvedTask, label, func(field, msg string) {
				fail(field, "%s: %s", label, msg)
			})
		}
	}
	return covered
}

// buildTaskRun is the TaskRun the PipelineRun reconciler creates for one pipeline task (createTaskRun and
// getTaskrunWorkspaces in pkg/reconciler/pipelinerun/pipelinerun.go at v1.15.0): matrix combination params first,
// then the pipeline task's; service account, pod template and compute resources from the run's taskRunSpecs (or its
// taskRunTemplate); workspaces bound from the run's bindings, a volumeClaimTemplate becoming the PVC the reconciler
// creates for it.
func buildTaskRun(ctx context.Context, pr *pipelinev1.PipelineRun, rpt *prresources.ResolvedPipelineTask, combination pipelinev1.Params, index int) (*pipelinev1.TaskRun, error) {
	pt := rpt.PipelineTask
	spec := pr.GetTaskRunSpec(pt.Name)
	params := append(append(pipelinev1.Params{}, combination...), pt.Params...)
	tr := &pipelinev1.TaskRun{
		TypeMeta: metav1.TypeMeta{APIVersion: "tekton.dev/v1", Kind: "TaskRun"},
		ObjectMeta: metav1.ObjectMeta{
			Name:      fmt.Sprintf("%s-%s-%d", pr.Name, pt.Name, index),
			Namespace: pr.Namespace,
			// The API server gives every object a UID; Tekton makes it the pod's owner reference.
			UID:    types.UID(fmt.Sprintf("00000000-0000-4000-8000-%012d", index)),
			Labels: map[string]string{},
		},
		Spec: pipelinev1.TaskRunSpec{
			Retries:            pt.Retries,
			Params:             params,
			ServiceAccountName: spec.ServiceAccountName,
			PodTemplate:        spec.PodTemplate,
			StepSpecs:          spec.StepSpecs,
			SidecarSpecs:       spec.SidecarSpecs,
			ComputeResources:   spec.ComputeResources,
			TaskRef:            pt.TaskRef,
			TaskSpec:           nil,
		},
	}
	for k, val := range pr.Labels {
		tr.Labels[k] = val
	}
	if spec.Metadata != nil {
		for k, val := range spec.Metadata.Labels {
			tr.Labels[k] = val
		}
	}
	if pt.TaskRef == nil && pt.TaskSpec != nil {
		tr.Spec.TaskSpec = &pt.TaskSpec.TaskSpec
	}
	bindings := map[string]pipelinev1.WorkspaceBinding{}
	for _, b := range pr.Spec.Workspaces {
		bindings[b.Name] = b
	}
	for _, ws := range pt.Workspaces {
		name := ws.Workspace
		if name == "" {
			name = ws.Name
		}
		b, ok := bindings[name]
		if !ok {
			optional := false
			for _, d := range rpt.ResolvedTask.TaskSpec.Workspaces {
				if d.Name == ws.Name && d.Optional {
					optional = true
				}
			}
			if !optional {
				return nil, fmt.Errorf("expected workspace %q to be provided by pipelinerun for pipeline task %q", name, pt.Name)
			}
			continue
		}
		tb := *b.DeepCopy()
		tb.Name = ws.Name
		if ws.SubPath != "" {
			tb.SubPath = strings.TrimPrefix(tb.SubPath+"/"+ws.SubPath, "/")
		}
		if tb.VolumeClaimTemplate != nil {
			// The PipelineRun reconciler creates one PVC per template and run and binds TaskRuns to it.
			tb.PersistentVolumeClaim = &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "pvc-" + name + "-" + pr.Name}
			tb.VolumeClaimTemplate = nil
		}
		tr.Spec.Workspaces = append(tr.Spec.Workspaces, tb)
	}
	tr.SetDefaults(ctx)
	return tr, nil
}

// checkUncoveredTasks runs every Task that no PipelineRun among the objects runs, alone: a TaskRun with its
// declared defaults and placeholders for params without one, as the pipeline's `default` ServiceAccount.
func (v *validator) checkUncoveredTasks(covered map[string]bool) {
	kube, _ := v.clients()
	for _, k := range sortedKeys(v.tasks) {
		if covered[k] {
			continue
		}
		task := v.tasks[k]
		o := v.origin[task]
		var params pipelinev1.Params
		for _, p := range task.Spec.Params {
			if p.Default != nil {
				continue
			}
			params = append(params, pipelinev1.Param{Name: p.Name, Value: *pipelinev1.NewStructuredValues("placeholder-" + p.Name)})
		}
		var workspaces []pipelinev1.WorkspaceBinding
		for _, w := range task.Spec.Workspaces {
			workspaces = append(workspaces, pipelinev1.WorkspaceBinding{Name: w.Name, EmptyDir: &corev1.EmptyDirVolumeSource{}})
		}
		tr := &pipelinev1.TaskRun{
			TypeMeta:   metav1.TypeMeta{APIVersion: "tekton.dev/v1", Kind: "TaskRun"},
			ObjectMeta: metav1.ObjectMeta{Name: task.Name + "-run", Namespace: task.Namespace, UID: types.UID("00000000-0000-4000-8000-000000000001")},
			Spec: pipelinev1.TaskRunSpec{
				Params:     params,
				TaskRef:    &pipelinev1.TaskRef{Name: task.Name, Kind: pipelinev1.NamespacedTaskKind},
				Workspaces: workspaces,
			},
		}
		tr.SetDefaults(v.ctx)
		rt := &trresources.ResolvedTask{TaskName: task.Name, Kind: pipelinev1.NamespacedTaskKind, TaskSpec: task.Spec.DeepCopy()}
		label := "standalone TaskRun (no PipelineRun among the objects runs this Task)"
		v.checkTaskRun(kube, tr, rt, label, func(field, msg string) {
			v.add(problem{File: o.File, Kind: o.Kind, Name: o.name(), Field: field, Message: label + ": " + msg})
		})
	}
}

// checkTaskRun makes the TaskRun reconciler's checks (prepare() in pkg/reconciler/taskrun/taskrun.go at v1.15.0)
// and builds and admits its pod (reconcile() and createPod()).
func (v *validator) checkTaskRun(kube kubernetes.Interface, tr *pipelinev1.TaskRun, rt *trresources.ResolvedTask, label string, fail func(field, msg string)) {
	ctx := v.ctx
	ts := rt.TaskSpec.DeepCopy()
	if err := taskrun.ValidateResolvedTask(ctx, tr.Spec.Params, &pipelinev1.Matrix{}, rt); err != nil {
		fail("spec.params", "TaskRunValidationFailed: "+err.Error())
		return
	}
	if pipelineconfig.FromContextOrDefaults(ctx).FeatureFlags.EnableParamEnum {
		if err := taskrun.ValidateEnumParam(ctx, tr.Spec.Params, ts.Params); err != nil {
			fail("spec.params", "InvalidParamValue: "+err.Error())
			return
		}
	}
	if err := workspace.ValidateBindings(ctx, ts.Workspaces, tr.Spec.Workspaces); err != nil {
		fail("spec.workspaces", "TaskRunValidationFailed: "+err.Error())
		return
	}
	v.buildAndAdmitPod(kube, tr, rt, label, fail)
}

// namespaces are those of the objects, and those the objects name.
func (v *validator) namespaces() []string {
	seen := map[string]bool{}
	for _, o := range v.objects {
		if o.Metadata.Namespace != "" {
			seen[o.Metadata.Namespace] = true
		}
		if o.APIVersion == "v1" && o.Kind == "Namespace" {
			seen[o.Metadata.Name] = true
		}
	}
	return sortedKeys(seen)
}

func sortedKeys[T any](m map[string]T) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
