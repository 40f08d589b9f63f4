// @ts-check
/**
 * `npm run synth`: builds-if-stale the program bundle (launch/bundle.js), then runs the synth CLI it contains
 * (src/synth/cli.ts) on the same bundled program that `pulumi up` runs (launch/pulumi.js).
 */
"use strict";

require("./bundle")
    .loadProgram()
    .then(
        (bundle) => bundle.synthCli(),
        (err) => {
            process.stderr.write(`synth: ${err instanceof Error ? err.message : String(err)}\n`);
            process.exit(1);
        },
    );
