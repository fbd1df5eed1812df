-- Whether resending a dispatch's body after an ambiguous failure is deduplicated by the
-- provider (docs/gateway.md, "Resend safety"): decided when the message is planned and stored with the
-- dispatch. Rows stored before get the value the earlier rule gave, read from the endpoint and
-- the body sent: WeCom `message/send` with `enable_duplicate_check` 1, and Getui pushes with a
-- non-empty `request_id` (at the top level or in the `message` of a list push), except a merged
-- Getui call (a leader with a merged body).

ALTER TABLE dispatches ADD COLUMN resend_safe INTEGER NOT NULL DEFAULT 0;

UPDATE dispatches SET resend_safe = 1
WHERE CASE
    WHEN NOT json_valid(CAST(coalesce(merged_body, body) AS TEXT)) THEN 0
    WHEN endpoint = 'wecom.message_send' THEN
        json_type(CAST(coalesce(merged_body, body) AS TEXT), '$.enable_duplicate_check') = 'integer'
        AND json_extract(CAST(coalesce(merged_body, body) AS TEXT), '$.enable_duplicate_check') = 1
    WHEN endpoint LIKE 'getui.%' AND endpoint <> 'getui.merged_list' AND merged_body IS NULL THEN
        (json_type(CAST(body AS TEXT), '$.request_id') = 'text'
         AND json_extract(CAST(body AS TEXT), '$.request_id') <> '')
        OR (json_type(CAST(body AS TEXT), '$.message.request_id') = 'text'
            AND json_extract(CAST(body AS TEXT), '$.message.request_id') <> '')
    ELSE 0
END;
