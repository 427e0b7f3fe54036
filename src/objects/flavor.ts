/** A flavor (instance type). */
export interface FlavorDTO {
  id: number;
  flavorid: string;
  name: string;
  memory_mb: number;
  vcpus: number;
  root_gb: number;
  ephemeral_gb: number;
  swap: number;
  rxtx_factor: number;
  vcpu_weight: number | null;
  disabled: boolean;
  is_public: boolean;
  description: string | null;
  extra_specs: Record<string, string>;
  created_at: string | null;
  updated_at: string | null;
}
