import { IntOrString, type NetworkPolicyEgressRule, type NetworkPolicyIngressRule } from '../imports/k8s';
import { KAFKA_PORT, MONGO_PORT, MONGODB, kafkaPodLabels, selectorLabels } from './names';

const DNS_PORT = 53;

/** Pods that get a NetworkPolicy lose all other egress, including name resolution. */
export function dnsEgress(): NetworkPolicyEgressRule {
  return {
    to: [
      {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
        podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
      },
    ],
    ports: [
      { protocol: 'UDP', port: IntOrString.fromNumber(DNS_PORT) },
      { protocol: 'TCP', port: IntOrString.fromNumber(DNS_PORT) },
    ],
  };
}

/**
 * Clients bootstrap through the Service but then talk to each broker pod directly (advertised
 * per-pod addresses), so the rule targets the Kafka pods, not the bootstrap Service.
 */
export function kafkaEgress(cluster: string, port: number = KAFKA_PORT): NetworkPolicyEgressRule {
  return {
    to: [{ podSelector: { matchLabels: kafkaPodLabels(cluster) } }],
    ports: [{ protocol: 'TCP', port: IntOrString.fromNumber(port) }],
  };
}

/** In-cluster MongoDB (dev) by pod; an external one (prod) only by port. */
export function mongoEgress(inCluster: boolean): NetworkPolicyEgressRule {
  return {
    ...(inCluster ? { to: [{ podSelector: { matchLabels: selectorLabels(MONGODB) } }] } : {}),
    ports: [{ protocol: 'TCP', port: IntOrString.fromNumber(MONGO_PORT) }],
  };
}

/** Kubelet probes are not subject to NetworkPolicy; this admits clients and Prometheus scrapes. */
export function portIngress(port: number): NetworkPolicyIngressRule {
  return { ports: [{ protocol: 'TCP', port: IntOrString.fromNumber(port) }] };
}
