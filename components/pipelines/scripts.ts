import * as fs from "node:fs";
import * as path from "node:path";

export const scriptsDir = path.join(__dirname, "scripts");
export const imagesDir = path.join(__dirname, "images");

/**
 * A step script's `source "${BASH_SOURCE[0]%/*}/lib/<name>.sh"` line, with the shellcheck directive before it. Run from
 * the repository (tests, an operator) the script sources its library beside it; a Tekton step runs its `script` as a
 * lone file under /tekton/scripts, so the library is inlined where the line stands when the step is rendered.
 */
const libInclude = /^# shellcheck source=lib\/([a-z0-9-]+\.sh)\nsource "\$\{BASH_SOURCE\[0\]%\/\*\}\/lib\/\1"\n/gm;

/** A step script from components/pipelines/scripts, as the step's `script`: the file, its `lib/` includes inlined. */
export function loadScript(name: string, dir: string = scriptsDir): string {
    const text = fs.readFileSync(path.join(dir, name), "utf8");
    const inlined = text.replace(libInclude, (_line, lib: string) => {
        const body = fs.readFileSync(path.join(dir, "lib", lib), "utf8").replace(/^# shellcheck shell=bash\n/, "");
        return `# --- lib/${lib}, inlined when the step was rendered ---\n${body}# --- end of lib/${lib} ---\n`;
    });
    if (/^\s*(source|\.)\s/m.test(inlined)) {
        throw new Error(`step script ${name} sources a file that is not a lib/ include; a step runs its script alone`);
    }
    return inlined;
}

/** ConfigMap (created by OkdPipelines) holding the Containerfiles the pipelines build (machine-os, tools). */
export const containerfilesConfigMap = "okd-pipeline-containerfiles";

/** A Containerfile from components/pipelines/images/<image>/Containerfile. */
export function loadContainerfile(image: string): string {
    return fs.readFileSync(path.join(imagesDir, image, "Containerfile"), "utf8");
}
