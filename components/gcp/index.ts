export * from "./gate";
export * from "./kubeconfig";
export * from "./site";
