-- Up Migration
-- Credentials that a service needs but that must never travel in events (NAVER API keys and secrets). Encrypted with
-- AES-256-GCM under SECRETS_KEY; in production this table's role is played by the cloud's secret manager.
CREATE TABLE platform.secrets (
  ref        text        PRIMARY KEY,
  iv         bytea       NOT NULL,
  tag        bytea       NOT NULL,
  ciphertext bytea       NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE platform.secrets;
