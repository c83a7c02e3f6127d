CREATE TABLE "code_lists" (
	"list" text NOT NULL,
	"code" text NOT NULL,
	"order" integer NOT NULL,
	"name_ar" text NOT NULL,
	"name_en" text NOT NULL,
	CONSTRAINT "code_lists_list_code_pk" PRIMARY KEY("list","code")
);
--> statement-breakpoint
CREATE TABLE "consent_texts" (
	"version" text PRIMARY KEY NOT NULL,
	"text_ar" text NOT NULL,
	"text_en" text NOT NULL,
	"published_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
-- Reviewed addition: the new reference tables bump reference_version like the others (0009).
CREATE TRIGGER "code_lists_reference_version" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "code_lists" FOR EACH STATEMENT EXECUTE FUNCTION "reference_version_bump"();--> statement-breakpoint
CREATE TRIGGER "consent_texts_reference_version" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "consent_texts" FOR EACH STATEMENT EXECUTE FUNCTION "reference_version_bump"();
