/**
 * Kubernetes minors each managed service supports in *standard* support, per platform, with the day the list was
 * checked and where. A site runs only these: past the end of standard support a cluster either costs extra
 * (EKS extended support, six times the control-plane price) or is upgraded by the cloud itself, behind the program's
 * back. Check the source and update the list (and `default`) when a minor is added or leaves standard support.
 */

export interface MinorSupport {
    /** `1.35` */
    readonly minor: string;
    /** Last day of standard support, YYYY-MM-DD (UTC), as the source states it. */
    readonly standardSupportEnds: string;
}

export interface PlatformKubernetes {
    /** The managed service, for messages. */
    readonly service: string;
    /** Day the list below was checked against `source`, YYYY-MM-DD. */
    readonly checked: string;
    readonly source: string;
    /** Minor a stack gets when it sets no `kubernetesVersion`. */
    readonly default: string;
    /** Minors in standard support on `checked`, oldest first. */
    readonly minors: readonly MinorSupport[];
    /** Set when the list has not been checked against the platform's own calendar yet. */
    readonly unverified?: string;
}

export const kubernetesSupport: Record<"aws" | "gcp" | "azure", PlatformKubernetes> = {
    aws: {
        service: "Amazon EKS",
        checked: "2026-11-30",
        // The release calendar, as transcribed in endoflife-date/endoflife.date products/amazon-eks.md@a70eca33
        // (2026-08-22), the newest copy that could be read from here: 1.32 left standard support on 2026-03-23 and
        // 1.33 on 2026-07-29; 1.34 leaves it on 2026-12-02, so it is kept only for stacks already on it and is not
        // the default; 1.36 reached EKS on 2026-06-02. No 1.37 in that copy. The default stays 1.35, so a stack that
        // sets no version is not upgraded by this list.
        source: "https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html#kubernetes-release-calendar",
        default: "1.35",
        minors: [
            { minor: "1.34", standardSupportEnds: "2026-12-02" },
            { minor: "1.35", standardSupportEnds: "2027-03-27" },
            { minor: "1.36", standardSupportEnds: "2027-08-02" },
        ],
    },
    gcp: {
        service: "GKE",
        checked: "2026-11-30",
        // GKE gives a minor about 14 months of standard support from the day it reaches the Regular channel, then
        // upgrades clusters and nodes on a release channel to the next minor by itself
        // (https://cloud.google.com/kubernetes-engine/versioning). Dates are the release schedule's "end of standard
        // support" (https://cloud.google.com/kubernetes-engine/docs/release-schedule), as transcribed in
        // endoflife-date/endoflife.date products/google-kubernetes-engine.md@ca0c14146 (2026-08-21), the newest copy
        // of the schedule that could be read from here: 1.34 left standard support on 2026-10-01. 1.37 was in the
        // Rapid channel only in the newest release notes read (Regular offered 1.34 to 1.36), so it is not offered;
        // the site's release channel is REGULAR and GKE refuses a minimum version the channel does not carry.
        source: "https://cloud.google.com/kubernetes-engine/docs/release-schedule",
        // The Regular channel's default minor for new clusters in the newest release notes read (1.35.8-gke.1036000,
        // 2026-09-17).
        default: "1.35",
        minors: [
            { minor: "1.35", standardSupportEnds: "2027-04-11" },
            { minor: "1.36", standardSupportEnds: "2027-08-09" },
        ],
    },
    azure: {
        service: "AKS",
        checked: "2026-11-30",
        // The AKS Kubernetes release calendar (page of 2026-08-05, MicrosoftDocs/azure-aks-docs@fb060abe
        // articles/aks/supported-kubernetes-versions.md): "Unless an explicit date is provided, the End of Life (EOL)
        // date is the last day of the specified month". 1.33 reached end of life in July 2026; 1.34 does on 2026-11-30,
        // so it is kept only for stacks already on it. The calendar planned 1.37's GA for October 2026; that is not
        // confirmed by the page checked, so 1.37 joins the list once it is.
        source: "https://learn.microsoft.com/azure/aks/supported-kubernetes-versions#aks-kubernetes-release-calendar",
        default: "1.36",
        minors: [
            { minor: "1.34", standardSupportEnds: "2026-11-30" },
            { minor: "1.35", standardSupportEnds: "2027-03-31" },
            { minor: "1.36", standardSupportEnds: "2027-06-30" },
        ],
    },
};

/** Minors `platform` accepts. */
export const supportedMinors = (platform: keyof typeof kubernetesSupport): string[] =>
    kubernetesSupport[platform].minors.map((m) => m.minor);

/**
 * When `minor` leaves standard support on `platform` (YYYY-MM-DD), or undefined when unknown or not in the list.
 */
export function standardSupportEnds(platform: keyof typeof kubernetesSupport, minor: string): string | undefined {
    const end = kubernetesSupport[platform].minors.find((m) => m.minor === minor)?.standardSupportEnds;
    return end !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(end) ? end : undefined;
}
