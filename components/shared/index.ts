export * from "./gates";
export * from "./naming";
export * from "./node-labels";
export * from "./pipelines";
export * from "./retention";
export * from "./site";
export * from "./site-args";
