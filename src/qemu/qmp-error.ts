import { registerErrors } from '../exception/base.ts';
import { HypervisorError } from '../exception/virt.ts';

/**
 * A QMP exchange with a QEMU process (a guest's QEMU, a qemu-storage-daemon)
 * failed: the socket did not answer, a command timed out, the connection
 * closed, or QEMU answered with an error (`qmpClass` is QEMU's error class,
 * e.g. GenericError, CommandNotFound).
 */
export class QmpError extends HypervisorError {
  /** QEMU's error class, or null when the failure was on our side (timeout, closed socket). */
  get qmpClass(): string | null {
    const c = this.kwargs.qmp_class;
    return typeof c === 'string' ? c : null;
  }

  static fromReply(command: string, cls: string, desc: string): QmpError {
    return new QmpError(`QMP ${command} failed: ${cls}: ${desc}`, { command, qmp_class: cls });
  }
}

registerErrors(QmpError);
