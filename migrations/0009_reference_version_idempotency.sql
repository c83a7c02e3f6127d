CREATE TABLE "reference_version" (
	"id" boolean PRIMARY KEY DEFAULT true NOT NULL,
	"version" bigint DEFAULT 1 NOT NULL,
	CONSTRAINT "reference_version_single_row" CHECK ("reference_version"."id")
);
--> statement-breakpoint
CREATE TABLE "idempotency_keys" (
	"scope" text NOT NULL,
	"caller" text NOT NULL,
	"key" text NOT NULL,
	"request_hash" text NOT NULL,
	"state" text NOT NULL,
	"owner" uuid,
	"locked_until" timestamp with time zone NOT NULL,
	"status" integer,
	"outcome" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	CONSTRAINT "idempotency_keys_scope_caller_key_pk" PRIMARY KEY("scope","caller","key")
);
--> statement-breakpoint
CREATE INDEX "idempotency_keys_expires_idx" ON "idempotency_keys" USING btree ("expires_at");--> statement-breakpoint
-- Reviewed addition: the one row, and statement triggers that bump it on any change to reference data
-- (the seed at start-up included), so every instance reloads its in-memory copy within a second.
INSERT INTO "reference_version" ("id", "version") VALUES (true, 1);--> statement-breakpoint
CREATE FUNCTION "reference_version_bump"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "reference_version" SET "version" = "version" + 1 WHERE "id";
  RETURN NULL;
END;
$$;--> statement-breakpoint
CREATE TRIGGER "ministries_reference_version" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "ministries" FOR EACH STATEMENT EXECUTE FUNCTION "reference_version_bump"();--> statement-breakpoint
CREATE TRIGGER "ranks_reference_version" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "ranks" FOR EACH STATEMENT EXECUTE FUNCTION "reference_version_bump"();--> statement-breakpoint
CREATE TRIGGER "specializations_reference_version" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "specializations" FOR EACH STATEMENT EXECUTE FUNCTION "reference_version_bump"();--> statement-breakpoint
CREATE TRIGGER "specialization_relations_reference_version" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "specialization_relations" FOR EACH STATEMENT EXECUTE FUNCTION "reference_version_bump"();--> statement-breakpoint
CREATE TRIGGER "governorates_reference_version" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "governorates" FOR EACH STATEMENT EXECUTE FUNCTION "reference_version_bump"();
