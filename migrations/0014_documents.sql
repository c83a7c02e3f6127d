CREATE TYPE "public"."document_kind" AS ENUM('national_id', 'service_id', 'degree', 'proof_of_separation', 'other');--> statement-breakpoint
CREATE TYPE "public"."document_media_type" AS ENUM('application/pdf', 'image/jpeg', 'image/png');--> statement-breakpoint
CREATE TABLE "documents" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"application_id" uuid NOT NULL,
	"kind" "document_kind" NOT NULL,
	"file_name" text NOT NULL,
	"media_type" "document_media_type" NOT NULL,
	"size" integer NOT NULL,
	"sha256" text NOT NULL,
	"content" "bytea",
	"uploaded_by" uuid NOT NULL,
	"uploaded_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone,
	"deleted_by" uuid,
	CONSTRAINT "documents_size" CHECK ("documents"."size" BETWEEN 1 AND 10485760),
	CONSTRAINT "documents_sha256" CHECK ("documents"."sha256" ~ '^[0-9a-f]{64}$'),
	CONSTRAINT "documents_file_name" CHECK (char_length("documents"."file_name") BETWEEN 1 AND 120),
	CONSTRAINT "documents_erased" CHECK (("documents"."content" IS NULL) = ("documents"."deleted_at" IS NOT NULL) AND ("documents"."deleted_at" IS NULL) = ("documents"."deleted_by" IS NULL)),
	CONSTRAINT "documents_content_size" CHECK ("documents"."content" IS NULL OR octet_length("documents"."content") = "documents"."size")
);
--> statement-breakpoint
ALTER TABLE "documents" ADD CONSTRAINT "documents_application_id_applications_id_fk" FOREIGN KEY ("application_id") REFERENCES "public"."applications"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "documents" ADD CONSTRAINT "documents_uploaded_by_users_id_fk" FOREIGN KEY ("uploaded_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "documents" ADD CONSTRAINT "documents_deleted_by_users_id_fk" FOREIGN KEY ("deleted_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "documents_application_idx" ON "documents" USING btree ("application_id","uploaded_at","id");--> statement-breakpoint
-- The bytes are PDF, JPEG or PNG, already compressed: stored out of line without pglz trying again.
ALTER TABLE "documents" ALTER COLUMN "content" SET STORAGE EXTERNAL;
