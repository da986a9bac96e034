CREATE TABLE bot_users (id bigint PRIMARY KEY, name text NOT NULL);
