CREATE FUNCTION total_balance() RETURNS numeric
    LANGUAGE plpgsql STABLE
    SET search_path FROM CURRENT
AS $$
DECLARE
    total numeric;
BEGIN
    SELECT coalesce(sum(balance), 0) INTO total FROM account;
    RETURN total;
END;
$$;
