import * as fs from "node:fs";
import * as path from "node:path";

export const scriptsDir = path.join(__dirname, "scripts");
export const imagesDir = path.join(__dirname, "images");

/** A step script from components/pipelines/scripts, as the step's `script`. */
export function loadScript(name: string): string {
    return fs.readFileSync(path.join(scriptsDir, name), "utf8");
}

/** ConfigMap (created by OkdPipelines) holding the Containerfiles the pipelines build (machine-os, tools). */
export const containerfilesConfigMap = "okd-pipeline-containerfiles";

/** A Containerfile from components/pipelines/images/<image>/Containerfile. */
export function loadContainerfile(image: string): string {
    return fs.readFileSync(path.join(imagesDir, image, "Containerfile"), "utf8");
}
