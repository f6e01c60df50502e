import { Construct } from 'constructs';
import type { NetworkPolicyEgressRule } from '../imports/k8s';
import { medlivesContainer, type MedlivesContainerProps } from './app-container';
import { componentOf } from './names';
import type { PodPlacementValues } from './values';
import { AppWorkload } from './workload';

export interface HttpServiceProps extends MedlivesContainerProps {
  /** Fixed replica count. */
  readonly replicas: number;
  /** Everything the pods may reach (Kafka, MongoDB, DNS). */
  readonly egress: readonly NetworkPolicyEgressRule[];
  /** Spread replicas across zones and nodes. @default false */
  readonly spread?: boolean;
  /** Pull secrets, node selection, tolerations, affinity, pod annotations. @default - none */
  readonly placement?: Partial<PodPlacementValues>;
}

/**
 * A MedLives HTTP deployable (the producer API): Deployment with probes on /healthz and /readyz,
 * ClusterIP Service on its port, PodDisruptionBudget and NetworkPolicy.
 */
export class HttpService extends Construct {
  readonly name: string;
  readonly port: number;

  constructor(scope: Construct, id: string, props: HttpServiceProps) {
    super(scope, id);
    const { container, volumes } = medlivesContainer(props);
    this.name = props.deployable.app;
    this.port = props.deployable.httpPort;
    new AppWorkload(this, 'workload', {
      name: this.name,
      component: componentOf(props.deployable),
      container,
      port: this.port,
      replicas: props.replicas,
      volumes,
      egress: props.egress,
      spread: props.spread ?? false,
      ...(props.placement ? { placement: props.placement } : {}),
    });
  }
}
