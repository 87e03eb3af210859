# Stage 1: official archives (or the course files) -> checked Parquet -> token ids.


# The downloads declare no code input on purpose: an archive is fixed by its checksum,
# so editing the download code never fetches 170 MB again.
rule download_cifar10:
    output:
        "resources/downloads/cifar-10-python.tar.gz",
    log:
        "logs/data/download_cifar10.log",
    localrule: True
    conda:
        "../envs/data.yaml"
    params:
        url=config["downloads"]["cifar10"]["url"],
        checksum=config["downloads"]["cifar10"]["checksum"],
        members=CIFAR_ARCHIVE_MEMBERS,
        stall_timeout_s=config["downloads"]["stall_timeout_s"],
    script:
        "../scripts/download.py"


rule download_dbpedia:
    output:
        "resources/downloads/dbpedia_csv.tgz",
    log:
        "logs/data/download_dbpedia.log",
    localrule: True
    conda:
        "../envs/data.yaml"
    params:
        url=config["downloads"]["dbpedia"]["url"],
        checksum=config["downloads"]["dbpedia"]["checksum"],
        members=["dbpedia_csv/train.csv", "dbpedia_csv/test.csv"],
        stall_timeout_s=config["downloads"]["stall_timeout_s"],
    script:
        "../scripts/download.py"


rule prepare_cifar10:
    input:
        cifar_inputs,
    output:
        train="resources/cifar10/train.parquet",
        test="resources/cifar10/test.parquet",
    log:
        "logs/data/prepare_cifar10.log",
    conda:
        "../envs/data.yaml"
    params:
        code=code_digest("prepare_cifar10.py"),
        train_source=cifar_source("train"),
        test_source=cifar_source("test"),
        n_train=config["cifar10"]["n_train"],
        n_test=config["cifar10"]["n_test"],
    script:
        "../scripts/prepare_cifar10.py"


rule prepare_dbpedia:
    input:
        dbpedia_inputs,
    output:
        train="resources/dbpedia/train.parquet",
        test="resources/dbpedia/test.parquet",
    log:
        "logs/data/prepare_dbpedia.log",
    conda:
        "../envs/data.yaml"
    params:
        code=code_digest("prepare_dbpedia.py"),
        train_source=dbpedia_source("train"),
        test_source=dbpedia_source("test"),
        train_per_class=config["dbpedia"]["train_per_class"],
        test_per_class=config["dbpedia"]["test_per_class"],
        seed=config["dbpedia"]["sample_seed"],
        archive_train_rows=config["dbpedia"]["archive_train_rows"],
        archive_test_rows=config["dbpedia"]["archive_test_rows"],
    script:
        "../scripts/prepare_dbpedia.py"


rule char_ids:
    input:
        train="resources/dbpedia/train.parquet",
        test="resources/dbpedia/test.parquet",
    output:
        train="resources/dbpedia/char_ids_{field}_train.parquet",
        test="resources/dbpedia/char_ids_{field}_test.parquet",
    log:
        "logs/data/char_ids_{field}.log",
    wildcard_constraints:
        field="text|title",
    conda:
        "../envs/data.yaml"
    params:
        code=code_digest("char_ids.py"),
        field="{field}",
        max_len=config["text_inputs"]["max_len"],
    script:
        "../scripts/char_ids.py"


rule word_ids:
    input:
        train="resources/dbpedia/train.parquet",
        test="resources/dbpedia/test.parquet",
    output:
        vocab="resources/dbpedia/vocab.parquet",
        train="resources/dbpedia/word_ids_train.parquet",
        test="resources/dbpedia/word_ids_test.parquet",
    log:
        "logs/data/word_ids.log",
    conda:
        "../envs/data.yaml"
    params:
        code=code_digest("word_ids.py"),
        max_len=config["text_inputs"]["max_len"],
    script:
        "../scripts/word_ids.py"


rule data:
    input:
        rules.prepare_cifar10.output,
        rules.prepare_dbpedia.output,
        expand(
            "resources/dbpedia/char_ids_{field}_{split}.parquet",
            field=char_fields(),
            split=["train", "test"],
        ),
        rules.word_ids.output,
