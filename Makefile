# `sam build` runs `make build-<LogicalId>` here for every function of template.yaml (Metadata: BuildMethod: makefile,
# CodeUri: .), with ARTIFACTS_DIR set to that function's folder under .aws-sam/build. The Maven reactor runs once for
# all of them (the stamp below is newer than every pom and main source once it has run); each target then copies its
# function's shaded jar into ARTIFACTS_DIR/lib, where Lambda's Java runtime puts it on the class path.
# samconfig.toml sets build_in_source, so this runs in the project folder (Maven's incremental build and one reactor
# run); without it SAM copies the folder per function first, which works too, only slower.
MVN ?= mvn

# The module of each function (its jar: functions/<module>/target/<module>-lambda.jar).
MODULE_AuthorizerFunction := authorizer
MODULE_ConnectFunction := connect
MODULE_DisconnectFunction := disconnect
MODULE_MessageFunction := message
MODULE_WorkerFunction := worker
MODULE_OperatorFunction := operator
MODULE_ChatPageFunction := chatpage
MODULES := authorizer connect disconnect message worker operator chatpage

SOURCES := $(shell find pom.xml shared-lib functions infra/src/main/resources/web \( -name pom.xml -o -path '*/src/main/*' \) -type f)
STAMP := target/sam-build.stamp
comma := ,
empty :=
space := $(empty) $(empty)

$(STAMP): $(SOURCES)
	$(MVN) -B -ntp -q -DskipTests package -pl $(subst $(space),$(comma),$(addprefix functions/,$(MODULES))) -am
	mkdir -p target && touch $@

build-%: $(STAMP)
	@test -n "$(MODULE_$*)" || { echo "no function $* in the Makefile" >&2; exit 1; }
	mkdir -p "$(ARTIFACTS_DIR)/lib"
	cp functions/$(MODULE_$*)/target/$(MODULE_$*)-lambda.jar "$(ARTIFACTS_DIR)/lib/"
