/**
 * `npm run status -- --from <dir or rclone remote> --out <dir>`: the release status site from any copy of the
 * release records. The pipelines run this same program (bundled, with node) to publish it; see docs/status.md.
 */
import { runCli } from "./cli";
import { cli, main } from "../components/pipelines/status/main";

runCli(cli, () => main());
