CREATE TABLE visits (id bigserial PRIMARY KEY, user_id bigint REFERENCES bot_users (id), at timestamptz NOT NULL DEFAULT now());
