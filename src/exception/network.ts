/**
 * Networking errors as nova.exception names and words them (the ones
 * nova.network.neutron raises); they cross the bus by class name.
 */
import { Conflict, Forbidden, Invalid, NotFound, NovaError, registerErrors } from './base.ts';

/** The network service could not be reached (nova.exception.NeutronConnectionFailed... Nova wraps it as a 503 at the API). */
export class NeutronConnectionFailed extends NovaError {
  override readonly status = 503;
}
export class NetworkNotFound extends NotFound {
  static of(networkId: string): NetworkNotFound {
    return new NetworkNotFound(`Network ${networkId} could not be found.`, { network_id: networkId });
  }
}
export class PortNotFound extends NotFound {
  static of(portId: string): PortNotFound {
    return new PortNotFound(`Port id ${portId} could not be found.`, { port_id: portId });
  }
}
export class PortInUse extends Conflict {
  static of(portId: string): PortInUse {
    return new PortInUse(`Port ${portId} is still in use.`, { port_id: portId });
  }
}
/** 'Multiple possible networks found, use a Network ID to be more specific.' */
export class NetworkAmbiguous extends Conflict {
  constructor(message = 'Multiple possible networks found, use a Network ID to be more specific.', kwargs: Record<string, unknown> = {}) {
    super(message, kwargs);
  }
}
/** Auto-allocated topology asked for but not available (nova.exception.UnableToAutoAllocateNetwork). */
export class UnableToAutoAllocateNetwork extends Invalid {
  static of(projectId: string): UnableToAutoAllocateNetwork {
    return new UnableToAutoAllocateNetwork(`Unable to automatically allocate a network for project ${projectId}`, { project_id: projectId });
  }
}
export class PortLimitExceeded extends Forbidden {
  constructor(message = 'Maximum number of ports exceeded', kwargs: Record<string, unknown> = {}) {
    super(message, kwargs);
  }
}
export class NoMoreFixedIps extends NovaError {
  static of(net: string): NoMoreFixedIps {
    return new NoMoreFixedIps(`No fixed IP addresses available for network: ${net}`, { net });
  }
}
export class FixedIpAlreadyInUse extends Conflict {}
export class PortBindingFailed extends NovaError {}
export class SecurityGroupNotFound extends NotFound {
  static of(id: string): SecurityGroupNotFound {
    return new SecurityGroupNotFound(`Security group ${id} not found.`, { security_group_id: id });
  }
}
export class SecurityGroupNotFoundForProject extends NotFound {}
export class FloatingIpNotFound extends NotFound {
  static of(id: string): FloatingIpNotFound {
    return new FloatingIpNotFound(`Floating IP not found for ID ${id}.`, { id });
  }
}
export class FloatingIpNotFoundForAddress extends FloatingIpNotFound {
  static forAddress(address: string): FloatingIpNotFoundForAddress {
    return new FloatingIpNotFoundForAddress(`Floating IP not found for address ${address}.`, { address });
  }
}
export class FloatingIpMultipleFoundForAddress extends NovaError {
  static of(address: string): FloatingIpMultipleFoundForAddress {
    return new FloatingIpMultipleFoundForAddress(`Multiple floating IPs are found for address ${address}.`, { address });
  }
}
export class NoMoreFloatingIps extends FloatingIpNotFound {}
export class FloatingIpPoolNotFound extends NotFound {
  constructor(message = 'Floating IP pool not found.', kwargs: Record<string, unknown> = {}) {
    super(message, kwargs);
  }
}
/** Nova's FloatingIpLimitExceeded (an OverQuota: 403 at the API). */
export class FloatingIpLimitExceeded extends Forbidden {}
export class FloatingIpBadRequest extends Invalid {}
export class FloatingIpAssociateFailed extends NovaError {}
export class FixedIpNotFoundForAddress extends NotFound {
  static of(address: string): FixedIpNotFoundForAddress {
    return new FixedIpNotFoundForAddress(`Fixed IP not found for address ${address}.`, { address });
  }
}
/** Any other refusal of the network service, with its status and message. */
export class NeutronClientError extends NovaError {
  override readonly status: number;
  constructor(message: string, kwargs: Record<string, unknown> = {}) {
    super(message, kwargs);
    this.status = typeof kwargs.status_code === 'number' ? kwargs.status_code : 500;
  }
}
registerErrors(
  NeutronConnectionFailed,
  NetworkNotFound,
  PortNotFound,
  PortInUse,
  NetworkAmbiguous,
  UnableToAutoAllocateNetwork,
  PortLimitExceeded,
  NoMoreFixedIps,
  FixedIpAlreadyInUse,
  PortBindingFailed,
  SecurityGroupNotFound,
  SecurityGroupNotFoundForProject,
  FloatingIpNotFound,
  FloatingIpNotFoundForAddress,
  FloatingIpMultipleFoundForAddress,
  NoMoreFloatingIps,
  FloatingIpPoolNotFound,
  FloatingIpLimitExceeded,
  FloatingIpBadRequest,
  FloatingIpAssociateFailed,
  FixedIpNotFoundForAddress,
  NeutronClientError,
);
/** nova.exception.InterfaceAttachFailed (500 at the API). */
export class InterfaceAttachFailed extends NovaError {
  static of(uuid: string): InterfaceAttachFailed {
    return new InterfaceAttachFailed(`Failed to attach network adapter device to ${uuid}`, { instance_uuid: uuid });
  }
}
export class InterfaceDetachFailed extends Invalid {
  static of(uuid: string): InterfaceDetachFailed {
    return new InterfaceDetachFailed(`Failed to detach network adapter device from ${uuid}`, { instance_uuid: uuid });
  }
}
export class InterfaceAttachFailedNoNetwork extends Invalid {
  static of(projectId: string): InterfaceAttachFailedNoNetwork {
    return new InterfaceAttachFailedNoNetwork(`No specific network was requested and none are available for project '${projectId}'.`, { project_id: projectId });
  }
}
export class AttachInterfaceNotSupported extends Invalid {
  static of(uuid: string): AttachInterfaceNotSupported {
    return new AttachInterfaceNotSupported(`Attaching interfaces is not supported for instance ${uuid}.`, { instance_uuid: uuid });
  }
}
export class NetworkInterfaceTaggedAttachNotSupported extends Invalid {
  constructor(message = 'Tagged network interface attachment is not supported for this server instance.', kwargs: Record<string, unknown> = {}) {
    super(message, kwargs);
  }
}
export class PortNotUsable extends Invalid {
  static of(portId: string, instance: string): PortNotUsable {
    return new PortNotUsable(`Port ${portId} not usable for instance ${instance}.`, { port_id: portId, instance });
  }
}
registerErrors(InterfaceAttachFailed, InterfaceDetachFailed, InterfaceAttachFailedNoNetwork, AttachInterfaceNotSupported, NetworkInterfaceTaggedAttachNotSupported, PortNotUsable);
