// Entry point of the okd-ci Pulumi program; `pulumi up` runs this. The program itself is in ./program.ts.
import { run } from "./program";

export = run();
