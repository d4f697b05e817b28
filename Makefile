# `sam build` runs `make build-<LogicalId>` here for every function of template.yaml (Metadata: BuildMethod: makefile,
# CodeUri: .), with ARTIFACTS_DIR set to that function's folder under .aws-sam/build. The Maven reactor runs once for
# all of them (the stamp below is newer than every pom and main source once it has run); each target then copies its
# function's shaded jar into ARTIFACTS_DIR/lib, where Lambda's Java runtime puts it on the class path.
# samconfig.toml sets build_in_source, so this runs in the project folder (Maven's incremental build and one reactor
# run); without it SAM copies the folder per function first, which works too, only slower.
MVN ?= mvn
MODULES := authorizer connect disconnect message worker operator chatpage
SOURCES := $(shell find pom.xml shared-lib functions infra/src/main/resources/web \( -name pom.xml -o -path '*/src/main/*' \) -type f)
STAMP := target/sam-build.stamp

$(STAMP): $(SOURCES)
	$(MVN) -B -ntp -q -DskipTests package -pl $(shell echo $(addprefix functions/,$(MODULES)) | tr ' ' ',') -am
	mkdir -p target && touch $@

build-AuthorizerFunction: $(STAMP)
	mkdir -p "$(ARTIFACTS_DIR)/lib" && cp functions/authorizer/target/authorizer-lambda.jar "$(ARTIFACTS_DIR)/lib/"

build-ConnectFunction: $(STAMP)
	mkdir -p "$(ARTIFACTS_DIR)/lib" && cp functions/connect/target/connect-lambda.jar "$(ARTIFACTS_DIR)/lib/"

build-DisconnectFunction: $(STAMP)
	mkdir -p "$(ARTIFACTS_DIR)/lib" && cp functions/disconnect/target/disconnect-lambda.jar "$(ARTIFACTS_DIR)/lib/"

build-MessageFunction: $(STAMP)
	mkdir -p "$(ARTIFACTS_DIR)/lib" && cp functions/message/target/message-lambda.jar "$(ARTIFACTS_DIR)/lib/"

build-WorkerFunction: $(STAMP)
	mkdir -p "$(ARTIFACTS_DIR)/lib" && cp functions/worker/target/worker-lambda.jar "$(ARTIFACTS_DIR)/lib/"

build-OperatorFunction: $(STAMP)
	mkdir -p "$(ARTIFACTS_DIR)/lib" && cp functions/operator/target/operator-lambda.jar "$(ARTIFACTS_DIR)/lib/"

build-ChatPageFunction: $(STAMP)
	mkdir -p "$(ARTIFACTS_DIR)/lib" && cp functions/chatpage/target/chatpage-lambda.jar "$(ARTIFACTS_DIR)/lib/"

.PHONY: build-AuthorizerFunction build-ConnectFunction build-DisconnectFunction build-MessageFunction \
	build-WorkerFunction build-OperatorFunction build-ChatPageFunction
