export interface KeyPairDTO {
  id: number;
  name: string;
  user_id: string;
  fingerprint: string;
  public_key: string;
  type: string;
  created_at: string | null;
  updated_at: string | null;
  deleted_at: string | null;
  deleted: boolean;
}
