export * from "./chains";
export * from "./install";
export * from "./layer";
export * from "./namespace";
export * from "./pruner";
export * from "./secrets";
export * from "./triggers";
export * from "./versions";
