-- apps.uninstall: when an app made from a manifest was uninstalled (Unix ms).
-- Its tokens are gone; events up to this moment (app_uninstalled, tokens_revoked)
-- are still delivered to it, later ones are not.
ALTER TABLE app_settings ADD COLUMN uninstalled_ms BIGINT;
