/**
 * The okd-ci policy pack: `pulumi preview --policy-pack policy`. Constructing a PolicyPack starts its gRPC server,
 * so nothing but the Pulumi CLI loads this module; tests and the plan runner use ./rules directly.
 */
import { PolicyPack } from "@pulumi/policy";

import { toPolicy } from "./crossguard";
import { rules } from "./rules";

new PolicyPack("okd-ci", {
    description:
        "Guardrails of the OKD build-and-release system: private storage, scanned images, least privilege, spot build pools, protected releases.",
    policies: rules.map(toPolicy),
});
