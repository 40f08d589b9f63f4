// @ts-check
/**
 * Pulumi.yaml's `main` (and package.json's): the program as the Pulumi CLI runs it for `pulumi preview`, `up` and
 * `destroy`. The Node.js language host starts `node <nodeargs> node_modules/@pulumi/pulumi/cmd/run ... launch/pulumi.js`;
 * cmd/run requires this file inside the root Stack resource, calls the exported function and awaits it: its value
 * is the stack's outputs. The function builds-if-stale and loads the program bundle (launch/bundle.js), the same
 * file `npm run synth` runs, and runs the program in it (src/program.ts).
 */
"use strict";

module.exports = async () => {
    const bundle = await require("./bundle").loadProgram();
    return bundle.run();
};
