-- One confirmation as the service runs it today, one per transaction: the statements a
-- POST /confirm/{token} sends to PostgreSQL (src/web/confirm.rs and what it calls:
-- the token and its signature, the letter, the quarantine checks of src/abuse/quarantine.rs,
-- the status change, the count delta of src/store/counts.rs, the letter's webhooks and the
-- proof token), copied from the server's log (log_statement = 'all') of one confirmation.
--
-- The bench loads `signatures` pending signatures with ids 1..signatures on letter
-- :letter, each with a confirmation token whose hash is its id in hex, zero-padded to 64
-- characters (the service stores a SHA-256 in hex: the same width and index).
-- Variables from the bench (-D): letter, signatures, now, since.
\set id random(1, :signatures)
BEGIN;
SELECT "confirmation_tokens"."id", "confirmation_tokens"."signature_id", "confirmation_tokens"."token_hash", "confirmation_tokens"."created_at", "confirmation_tokens"."expires_at" FROM "confirmation_tokens" WHERE "confirmation_tokens"."token_hash" = lpad(to_hex(:id::bigint), 64, '0') LIMIT 1;
SELECT "signatures"."id", "signatures"."letter_id", "signatures"."kind", "signatures"."status", "signatures"."name", "signatures"."email", "signatures"."email_normalized", "signatures"."country", "signatures"."city", "signatures"."occupation", "signatures"."organisation_name", "signatures"."website", "signatures"."role", "signatures"."show_publicly", "signatures"."wants_updates", "signatures"."confirmation_emails", "signatures"."last_confirmation_email_at", "signatures"."already_signed_emailed_at", "signatures"."client_ip", "signatures"."created_at", "signatures"."confirmed_at", "signatures"."letter_version", "signatures"."held_for", "signatures"."reviewed_at", "signatures"."reviewed_by", "signatures"."review_note", "signatures"."ip_hash", "signatures"."erased_at", "signatures"."email_canonical", "signatures"."name_skeleton", "signatures"."email_domain", "signatures"."network_prefix", "signatures"."api_key_id", "signatures"."language", "signatures"."text_language" FROM "signatures" WHERE "signatures"."id" = :id LIMIT 1 \gset s_
SELECT "letters"."id", "letters"."slug", "letters"."title", "letters"."summary", "letters"."body", "letters"."language", "letters"."status", "letters"."goal", "letters"."deadline", "letters"."opened_at", "letters"."created_at", "letters"."updated_at", "letters"."individuals_may_sign", "letters"."organisations_may_sign", "letters"."organisations_need_approval", "letters"."preview_key", "letters"."version", "letters"."closed_at" FROM "letters" WHERE "letters"."id" = :letter LIMIT 1;
SELECT "signatures"."id" FROM "signatures" WHERE "signatures"."letter_id" = :letter AND "signatures"."id" <> :id AND "signatures"."network_prefix" = :s_network_prefix AND "signatures"."confirmed_at" >= :since LIMIT 20;
SELECT "signatures"."created_at" FROM "signatures" WHERE "signatures"."letter_id" = :letter AND "signatures"."email_domain" = :s_email_domain ORDER BY "signatures"."created_at" ASC LIMIT 1;
SELECT "signatures"."id" FROM "signatures" WHERE "signatures"."letter_id" = :letter AND "signatures"."id" <> :id AND "signatures"."email_domain" = :s_email_domain LIMIT 50;
SELECT "signatures"."id" FROM "signatures" WHERE "signatures"."letter_id" = :letter AND "signatures"."id" <> :id AND "signatures"."kind" = 'individual' AND "signatures"."name_skeleton" = :s_name_skeleton AND "signatures"."status" IN ('confirmed', 'held') AND "signatures"."email_normalized" <> :s_email_normalized LIMIT 1;
UPDATE "signatures" SET "status" = 'confirmed', "confirmed_at" = :now, "held_for" = NULL WHERE "signatures"."id" = :id AND "signatures"."status" = 'pending';
INSERT INTO "count_deltas" ("letter_id", "kind", "delta", "created_at") VALUES (:letter, 'individual', 1, :now) RETURNING "id", "letter_id", "kind", "delta", "created_at";
SELECT "webhook_endpoints"."id", "webhook_endpoints"."events" FROM "webhook_endpoints" WHERE "webhook_endpoints"."letter_id" = :letter ORDER BY "webhook_endpoints"."id" ASC LIMIT 10;
INSERT INTO "proof_tokens" ("signature_id", "token_hash", "created_at") VALUES (:id, md5(random()::text) || md5(random()::text), :now) RETURNING "id", "signature_id", "token_hash", "created_at";
COMMIT;
