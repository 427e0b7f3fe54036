/** A row of the services table as it crosses the bus. */
export interface ServiceDTO {
  id: number;
  uuid: string;
  host: string;
  binary: string;
  topic: string | null;
  report_count: number;
  disabled: boolean;
  disabled_reason: string | null;
  last_seen_up: string | null;
  forced_down: boolean;
  version: number;
  created_at: string | null;
  updated_at: string | null;
}

/** The service version this code writes to the services table (bumped with RPC API changes). */
export const SERVICE_VERSION = 1;
