export * from "./e2e-gate";
export * from "./site";
