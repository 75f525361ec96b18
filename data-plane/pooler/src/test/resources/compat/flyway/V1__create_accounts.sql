CREATE TABLE account (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    owner text NOT NULL,
    balance numeric(12, 2) NOT NULL DEFAULT 0
);
INSERT INTO account (owner, balance) VALUES ('alice', 10), ('bob', 20);
