CREATE TABLE "reference_version" (
	"id" boolean PRIMARY KEY DEFAULT true NOT NULL,
	"version" bigint DEFAULT 1 NOT NULL,
	CONSTRAINT "reference_version_single_row" CHECK ("reference_version"."id")
);
--> statement-breakpoint
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
