//! Staff accounts, their one-time password links, their sessions, and the append-only
//! audit log of what staff (and the command line) did.

use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("staff_accounts")
                    .col(big_pk_auto("id"))
                    // Lower case, so one address is one account whatever its spelling.
                    .col(string_len_uniq("email", 254))
                    .col(string_len("role", 16))
                    .col(text_null("password_hash"))
                    .col(timestamp_with_time_zone_null("disabled_at"))
                    .col(timestamp_with_time_zone_null("last_sign_in_at"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("staff_password_links")
                    .col(big_pk_auto("id"))
                    // No account: the first-admin link, whose user chooses the email.
                    .col(big_integer_null("account_id"))
                    .col(string_len_uniq("token_hash", 64))
                    .col(timestamp_with_time_zone("expires_at"))
                    .col(timestamp_with_time_zone_null("used_at"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_staff_password_links_account")
                            .from("staff_password_links", "account_id")
                            .to("staff_accounts", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("staff_sessions")
                    // SHA-256 of the cookie's secret: a leaked table opens no session.
                    .col(string_len("id", 64).primary_key())
                    .col(big_integer("account_id"))
                    .col(string_len("csrf_token", 64))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("last_seen_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_staff_sessions_account")
                            .from("staff_sessions", "account_id")
                            .to("staff_accounts", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_staff_sessions_account")
                    .table("staff_sessions")
                    .col("account_id")
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("audit_log")
                    .col(big_pk_auto("id"))
                    .col(timestamp_with_time_zone("at"))
                    .col(big_integer_null("actor_account_id"))
                    .col(string_len_null("actor_email", 254))
                    .col(string_len("action", 64))
                    .col(string_len_null("subject", 254))
                    .col(text_null("detail"))
                    .col(string_len_null("client_ip", 64))
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("idx_audit_log_at", "at"),
            ("idx_audit_log_action", "action"),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table("audit_log")
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        // The log is evidence: on PostgreSQL, the production database, the server itself
        // refuses to change or remove a row, whatever the code (or a person at psql) does.
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            let db = manager.get_connection();
            db.execute_unprepared(
                "CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
                 BEGIN
                     RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP;
                 END;
                 $$",
            )
            .await?;
            db.execute_unprepared(
                "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
                 FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change()",
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("audit_log").to_owned())
            .await?;
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("DROP FUNCTION IF EXISTS audit_log_refuse_change()")
                .await?;
        }
        for table in ["staff_sessions", "staff_password_links", "staff_accounts"] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
