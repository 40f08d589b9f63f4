export * from "./naming";
export * from "./site";
export * from "./site-args";
