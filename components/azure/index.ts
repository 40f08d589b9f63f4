export * from "./gate";
export * from "./site";
