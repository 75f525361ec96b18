CREATE UNIQUE INDEX account_owner ON account (owner);
