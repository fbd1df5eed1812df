-- Whether resending a dispatch's body after an ambiguous failure is deduplicated by the
-- provider (docs/gateway.md, "Resend safety"): decided when the message is planned and stored with the
-- dispatch. Rows stored before get the value the earlier rule gave, read from the endpoint and
-- the body sent: WeCom `message/send` with `enable_duplicate_check` 1, and Getui pushes with a
-- non-empty `request_id` (at the top level or in the `message` of a list push), except a merged
-- Getui call (a leader with a merged body). A body that is not JSON is not safe.

ALTER TABLE dispatches ADD COLUMN resend_safe BOOLEAN NOT NULL DEFAULT FALSE;

CREATE FUNCTION pg_temp.yizhan_body_json(b BYTEA) RETURNS JSONB LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    RETURN convert_from(b, 'UTF8')::jsonb;
EXCEPTION WHEN others THEN
    RETURN NULL;
END
$$;

UPDATE dispatches d SET resend_safe = TRUE
FROM (SELECT id, pg_temp.yizhan_body_json(coalesce(merged_body, body)) AS j FROM dispatches) b
WHERE b.id = d.id AND b.j IS NOT NULL AND CASE
    WHEN d.endpoint = 'wecom.message_send' THEN
        jsonb_typeof(b.j -> 'enable_duplicate_check') = 'number' AND (b.j -> 'enable_duplicate_check') = '1'::jsonb
    WHEN d.endpoint LIKE 'getui.%' AND d.endpoint <> 'getui.merged_list' AND d.merged_body IS NULL THEN
        (jsonb_typeof(b.j -> 'request_id') = 'string' AND b.j ->> 'request_id' <> '')
        OR (jsonb_typeof(b.j -> 'message' -> 'request_id') = 'string' AND b.j -> 'message' ->> 'request_id' <> '')
    ELSE FALSE
END;

DROP FUNCTION pg_temp.yizhan_body_json(BYTEA);
