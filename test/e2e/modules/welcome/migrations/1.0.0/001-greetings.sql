CREATE TABLE greetings (chat_id bigint PRIMARY KEY, text text NOT NULL);
