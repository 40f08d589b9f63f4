export * from "./component";
export { defaultImages, type PipelineImages } from "./images";
export { nightlyTasks } from "./nightly";
export { releaseTasks } from "./release";
export { defaultMaxParallelBuilds, maxMatrixCombinations, pipelineRuns, runTimeouts } from "./runs";
