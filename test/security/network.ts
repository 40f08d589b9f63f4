/**
 * Whether a pod may open a connection to an address, read off rendered NetworkPolicies the way the NetworkPolicy API
 * defines it (https://kubernetes.io/docs/concepts/services-networking/network-policies/): a pod is isolated for
 * egress once any policy of its namespace selects it with `Egress` among its policy types (or, with `policyTypes`
 * unset, any `egress` rules); it may then connect where some rule of some selecting policy allows. A rule without
 * `to` reaches every destination, without `ports` every port; an `ipBlock` reaches its CIDR minus `except`. Peers
 * that select pods or namespaces match pod addresses only, never a node-local address such as the metadata service,
 * so they allow nothing here. Named ports match nothing outside the cluster.
 */
import * as ipaddr from "ipaddr.js";

import type { Doc } from "./stack-objects";

function inCidr(cidr: string, address: string): boolean {
    const range = ipaddr.parseCIDR(cidr);
    const ip = ipaddr.parse(address);
    return ip.kind() === range[0].kind() && ip.match(range);
}

/** Whether a label selector selects a pod with `labels` (https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/). */
export function selects(selector: Doc | undefined, labels: Record<string, string>): boolean {
    if (selector === undefined) return true;
    const matchLabels = (selector.matchLabels ?? {}) as Record<string, string>;
    if (!Object.entries(matchLabels).every(([k, v]) => labels[k] === v)) return false;
    return ((selector.matchExpressions ?? []) as Doc[]).every((e) => {
        const has = Object.prototype.hasOwnProperty.call(labels, e.key);
        const values = (e.values ?? []) as string[];
        switch (e.operator) {
            case "In":
                return has && values.includes(labels[e.key]);
            case "NotIn":
                return !has || !values.includes(labels[e.key]);
            case "Exists":
                return has;
            case "DoesNotExist":
                return !has;
            default:
                throw new Error(`unknown selector operator ${String(e.operator)}`);
        }
    });
}

const hasEgress = (p: Doc) =>
    p.spec.policyTypes === undefined
        ? p.spec.egress !== undefined
        : (p.spec.policyTypes as string[]).includes("Egress");

/** The policies that select a pod for egress. */
export function egressPolicies(policies: Doc[], namespace: string, labels: Record<string, string>): Doc[] {
    return policies.filter(
        (p) =>
            p.kind === "NetworkPolicy" &&
            p.metadata.namespace === namespace &&
            hasEgress(p) &&
            selects(p.spec.podSelector, labels),
    );
}

/**
 * Whether a pod of `namespace` with `labels` may connect to `address` on TCP `port`; with the policies that allow it
 * (empty when it may not, or when it is not isolated, which `isolated` tells).
 */
export function egressTo(
    policies: Doc[],
    namespace: string,
    labels: Record<string, string>,
    address: string,
    port: number,
): { isolated: boolean; allowedBy: string[] } {
    const selecting = egressPolicies(policies, namespace, labels);
    const allowedBy = selecting
        .filter((p) =>
            ((p.spec.egress ?? []) as Doc[]).some((rule) => {
                const peers = (rule.to ?? []) as Doc[];
                const toAddress =
                    peers.length === 0 ||
                    peers.some(
                        (peer) =>
                            peer.ipBlock !== undefined &&
                            inCidr(peer.ipBlock.cidr, address) &&
                            !((peer.ipBlock.except ?? []) as string[]).some((e) => inCidr(e, address)),
                    );
                const ports = (rule.ports ?? []) as Doc[];
                const onPort =
                    ports.length === 0 ||
                    ports.some(
                        (p) =>
                            (p.protocol ?? "TCP") === "TCP" &&
                            (p.port === undefined ||
                                p.port === port ||
                                (typeof p.port === "number" &&
                                    p.endPort !== undefined &&
                                    p.port <= port &&
                                    port <= p.endPort)),
                    );
                return toAddress && onPort;
            }),
        )
        .map((p) => p.metadata.name as string);
    return { isolated: selecting.length > 0, allowedBy };
}

const hasIngress = (p: Doc) =>
    p.spec.policyTypes === undefined ? true : (p.spec.policyTypes as string[]).includes("Ingress");

/** A pod as a NetworkPolicy peer sees it: its namespace's labels and its own. */
export interface PeerPod {
    namespace: string;
    labels: Record<string, string>;
}

/**
 * Whether a pod of `namespace` with `labels` accepts a TCP connection on `port` from pod `from`: isolated for ingress
 * once any policy of its namespace selects it with `Ingress` among its policy types (with `policyTypes` unset, every
 * policy does); allowed where a rule of a selecting policy has no `from` or a peer that matches `from` (a peer with
 * both selectors matches pods selected by the pod selector in namespaces selected by the namespace selector; a pod
 * selector alone means the policy's own namespace), on a listed port or any. A namespace's labels are taken as the
 * one the API server sets on every namespace, `kubernetes.io/metadata.name`.
 */
export function ingressFrom(
    policies: Doc[],
    namespace: string,
    labels: Record<string, string>,
    from: PeerPod,
    port: number,
): { isolated: boolean; allowedBy: string[] } {
    const selecting = policies.filter(
        (p) =>
            p.kind === "NetworkPolicy" &&
            p.metadata.namespace === namespace &&
            hasIngress(p) &&
            selects(p.spec.podSelector, labels),
    );
    const namespaceLabels = { "kubernetes.io/metadata.name": from.namespace };
    const allowedBy = selecting
        .filter((p) =>
            ((p.spec.ingress ?? []) as Doc[]).some((rule) => {
                const peers = (rule.from ?? []) as Doc[];
                const fromPeer =
                    peers.length === 0 ||
                    peers.some((peer) => {
                        if (peer.ipBlock !== undefined) return false;
                        const inNamespace =
                            peer.namespaceSelector === undefined
                                ? from.namespace === namespace
                                : selects(peer.namespaceSelector, namespaceLabels);
                        return inNamespace && selects(peer.podSelector, from.labels);
                    });
                const ports = (rule.ports ?? []) as Doc[];
                const onPort =
                    ports.length === 0 || ports.some((q) => (q.protocol ?? "TCP") === "TCP" && q.port === port);
                return fromPeer && onPort;
            }),
        )
        .map((p) => p.metadata.name as string);
    return { isolated: selecting.length > 0, allowedBy };
}
